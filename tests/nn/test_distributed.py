import subprocess
import sys
import textwrap

from safetensors.torch import load_file

WORKER = textwrap.dedent(
    """
    import sys, torch
    from safetensors.torch import save_file
    from rnnlab.nn import distributed, jobs, recipes
    from rnnlab.nn.data import phrase_data
    from rnnlab.nn.models import build_model
    from rnnlab.nn.train import fit

    torch.set_num_threads(1)
    rank, world = distributed.setup("cpu")
    assert world == 2
    config = recipes.decipher_config(model="char", cipher="caesar", key="3", limit=160, hidden=8,
                                     embed=4, epochs=2, batch_size=8)
    p = jobs.prepare(config)
    torch.manual_seed(100 + rank)  # different starting weights: DDP must make them agree
    model = build_model(p.config.model)
    seen = []
    data = phrase_data(p.dataset.encode(p.dataset.train_pairs), None, 8, 0)
    fit(model, data, config.training,
        callback=lambda e: seen.append(e.step) if e.kind == "step" else None)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              f"{sys.argv[1]}/rank{rank}.safetensors")
    print(f"rank {rank} steps {len(seen)}")
    distributed.cleanup()
    """
)


def test_two_processes_with_torchrun_end_with_identical_weights(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           str(script), str(tmp_path)]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    a = load_file(str(tmp_path / "rank0.safetensors"))
    b = load_file(str(tmp_path / "rank1.safetensors"))
    assert a.keys() == b.keys()
    for k in a:
        assert (a[k] - b[k]).abs().max().item() < 1e-6, k
    # each process took half of the 32 batches (the phrases and their augmented copies) of each
    # of the 2 epochs
    assert "rank 0 steps 32" in proc.stdout and "rank 1 steps 32" in proc.stdout
