"""Suite-wide settings: one torch thread. The models in the tests are small, and on a 2-core
machine two threads contending with anything else run many times slower than one."""

import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def one_thread():
    """Every test starts on one thread, and a test (or a command it runs with --threads) that
    changes it does not change it for the next."""
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(1)
