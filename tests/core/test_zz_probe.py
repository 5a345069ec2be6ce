import time
import pytest
from tests.vaults import BOTH_VAULTS
pytestmark = BOTH_VAULTS

@pytest.mark.parametrize("i", range(5))
def test_probe(new_vault, i):
    from studio.core.talents import add_talent, list_talents
    add_talent(new_vault, "Ada")
    assert len(list_talents(new_vault)) == 1

def test_probe_world(world):
    vault, talent, key, assets = world
    from studio.core.check import check_vault
    print(check_vault(vault).problems)
