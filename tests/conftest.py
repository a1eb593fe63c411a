"""Suite-wide settings: one torch thread. The models in the tests are small, and on a 2-core
machine two threads contending with anything else run many times slower than one."""

import torch

torch.set_num_threads(1)
