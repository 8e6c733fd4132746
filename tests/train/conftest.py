import pytest
import torch


@pytest.fixture(autouse=True)
def one_torch_thread():
    """The networks in these tests are tiny: one thread avoids OpenMP spinning on a busy machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
