"""Every hook of the contract is documented and has a test of its own (test_hook_<name>)."""
import inspect
import pathlib

from app import hookspecs

HOOKS = [name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
         if name.startswith("chiso_")]


def test_every_hook_has_a_docstring():
    assert HOOKS, "no hooks found"
    for name in HOOKS:
        doc = inspect.getdoc(getattr(hookspecs, name))
        assert doc and len(doc) > 20, f"hook {name} has no documentation"


def test_every_hook_has_a_test():
    source = "\n".join(p.read_text(encoding="utf-8")
                       for p in pathlib.Path(__file__).parent.glob("test_*.py"))
    for name in HOOKS:
        assert f"def test_hook_{name}(" in source, f"hook {name} has no test named test_hook_{name}"
