"Edge cases and bad inputs of music2pose.pretrained.PretrainedModel that do not belong in the lesson."
import json

import pytest
import torch
from safetensors.torch import load_file
from torch import nn

from music2pose.pretrained import CONFIG_NAME, WEIGHTS_NAME, PretrainedModel


class Toy(PretrainedModel):
    def __init__(self, width: int = 3, shape: tuple[int, int] = (2, 2), name: str = "toy"):
        super().__init__()
        self.linear = nn.Linear(width, width)
        self.register_buffer("scale", torch.full((width,), 2.0))

    def forward(self, x): return self.linear(x) * self.scale


@pytest.fixture
def saved(tmp_path):
    torch.manual_seed(0)
    model = Toy(4, name="four")
    return model, model.save_pretrained(tmp_path / "toy")


def test_config_records_arguments_with_defaults():
    model = Toy(5, name="five")
    assert dict(model.config) == {"width": 5, "shape": (2, 2), "name": "five"}
    assert model.config.width == 5 and model.config["name"] == "five"
    assert Toy(**model.config).config == model.config
    with pytest.raises(AttributeError, match="has no 'depth'"): model.config.depth


def test_a_subclass_records_its_own_arguments():
    class Wider(Toy):
        def __init__(self, factor: int = 2): super().__init__(width=3 * factor)
    model = Wider()
    assert dict(model.config) == {"factor": 2} and model.linear.in_features == 6
    assert Wider.saved_class_name == "Wider" and Toy.saved_class_name == "Toy"


def test_unnamed_arguments_are_refused_when_the_class_is_made():
    with pytest.raises(TypeError, match=r"named arguments only, not \*rest"):
        class Loose(PretrainedModel):
            def __init__(self, *rest): super().__init__()


def test_round_trip(saved):
    model, folder = saved
    assert sorted(p.name for p in folder.iterdir()) == [CONFIG_NAME, WEIGHTS_NAME]   # no temporary files left
    config = json.loads((folder / CONFIG_NAME).read_text())
    assert config == {"_class_name": "Toy", "width": 4, "shape": [2, 2], "name": "four"}
    loaded = Toy.from_pretrained(folder)
    assert not loaded.training and loaded.config == {"width": 4, "shape": [2, 2], "name": "four"}
    assert loaded.state_dict().keys() == model.state_dict().keys()
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in loaded.state_dict().items())
    x = torch.randn(3, 4)
    with torch.no_grad(): assert torch.equal(loaded(x), model(x))
    assert model.save_pretrained(folder, safe_serialization=True) == folder          # saving again replaces the files
    assert sorted(p.name for p in folder.iterdir()) == [CONFIG_NAME, WEIGHTS_NAME]


def test_loaded_weights_keep_their_dtype_and_train(tmp_path):
    folder = Toy().half().save_pretrained(tmp_path / "half")
    loaded = Toy.from_pretrained(folder)
    assert loaded.dtype == torch.float16 and loaded.device == torch.device("cpu")
    loaded.float().train()
    loaded(torch.randn(2, 3)).sum().backward()
    assert loaded.linear.weight.grad is not None
    with torch.no_grad(): loaded.linear.weight.add_(1)                               # writable, not a read-only mapping


def test_device_and_dtype_without_parameters():
    class Empty(PretrainedModel):
        def __init__(self): super().__init__()
    assert (Empty().device, Empty().dtype, Empty().config) == (torch.device("cpu"), torch.float32, {})


def test_overrides_and_bookkeeping_keys(saved):
    _, folder = saved
    assert Toy.from_pretrained(folder, name="renamed").config.name == "renamed"
    config = json.loads((folder / CONFIG_NAME).read_text())
    (folder / CONFIG_NAME).write_text(json.dumps({**config, "_diffusers_version": "0.42.1", "_name_or_path": "x"}))
    assert Toy.from_pretrained(folder).config.width == 4
    assert Toy.load_config(folder)["_diffusers_version"] == "0.42.1"                # load_config keeps every key


def test_from_config_refuses_unknown_options():
    assert Toy.from_config({"_class_name": "Toy", "width": 2}).config.width == 2
    with pytest.raises(ValueError, match=r"Toy has no option\(s\) \['depth', 'heads'\]"): Toy.from_config({"depth": 1, "heads": 2})


def test_missing_or_corrupt_config(tmp_path, saved):
    with pytest.raises(FileNotFoundError, match="config.json: not found"): Toy.from_pretrained(tmp_path / "nothing")
    _, folder = saved
    (folder / CONFIG_NAME).write_text('{"width": 4,')
    with pytest.raises(ValueError, match=r"config.json: not valid JSON") as e: Toy.load_config(folder)
    assert str(folder) in str(e.value) and "\n" not in str(e.value)
    (folder / CONFIG_NAME).write_text("[4]")
    with pytest.raises(ValueError, match="expected a JSON object of settings, got a list"): Toy.from_pretrained(folder)
    (folder / CONFIG_NAME).write_bytes(b"\xff\xfe")
    with pytest.raises(ValueError, match="not valid JSON"): Toy.load_config(folder)


def test_missing_weights(saved):
    _, folder = saved
    (folder / WEIGHTS_NAME).unlink()
    with pytest.raises(FileNotFoundError, match=f"{WEIGHTS_NAME}: not found; .* has a config but no weights: save the model again"):
        Toy.from_pretrained(folder)


def test_corrupt_weights(saved):
    _, folder = saved
    data = (folder / WEIGHTS_NAME).read_bytes()
    (folder / WEIGHTS_NAME).write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=f"{WEIGHTS_NAME}: not a readable safetensors file"): Toy.from_pretrained(folder)
    (folder / WEIGHTS_NAME).write_bytes(b"")
    with pytest.raises(ValueError, match="not a readable safetensors file"): Toy.from_pretrained(folder)


def test_another_class(saved):
    _, folder = saved

    class Other(Toy): pass
    with pytest.raises(ValueError, match="holds a Toy, not a Other") as e: Other.from_pretrained(folder)
    assert str(folder) in str(e.value)

    class Renamed(Toy): saved_class_name = "Toy"                                     # a new class may read old folders
    assert Renamed.from_pretrained(folder).config.width == 4


def test_wrong_shapes_and_names(saved, tmp_path):
    _, folder = saved
    with pytest.raises(ValueError, match=r"size mismatch for scale: saved \(4,\), model \(5,\) \(and 2 more\); the config does not match"):
        Toy.from_pretrained(folder, width=5)

    class Renamed(PretrainedModel):
        saved_class_name = "Toy"
        def __init__(self, width: int = 3, shape: tuple[int, int] = (2, 2), name: str = "toy"):
            super().__init__()
            self.proj = nn.Linear(width, width)
            self.register_buffer("scale", torch.ones(width))
    with pytest.raises(ValueError, match=r"not those of this Renamed: missing \['proj.bias', 'proj.weight'\], unexpected \['linear.bias', 'linear.weight'\]"):
        Renamed.from_pretrained(folder)


def test_unwritable_config(tmp_path):
    class WithPath(PretrainedModel):
        def __init__(self, where: object = None): super().__init__()
    with pytest.raises(TypeError, match=r"config value\(s\) \['where'\] cannot be written as JSON"):
        WithPath(where=tmp_path).save_pretrained(tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_reads_and_is_read_by_diffusers(tmp_path):
    "A folder written by diffusers' ModelMixin loads with the same weights, and diffusers reads ours."
    from diffusers import ConfigMixin, ModelMixin
    from diffusers.configuration_utils import register_to_config

    class DiffusersToy(ModelMixin, ConfigMixin):
        @register_to_config
        def __init__(self, width: int = 3, shape: tuple[int, int] = (2, 2), name: str = "toy"):
            super().__init__()
            self.linear = nn.Linear(width, width)
            self.register_buffer("scale", torch.full((width,), 2.0))
    DiffusersToy.__name__ = "Toy"                                                     # what `_class_name` records

    theirs = DiffusersToy(width=4, shape=(3, 1))
    theirs.save_pretrained(tmp_path / "theirs")
    assert "_diffusers_version" in json.loads((tmp_path / "theirs" / CONFIG_NAME).read_text())
    ours = Toy.from_pretrained(tmp_path / "theirs")
    assert ours.config == {"width": 4, "shape": [3, 1], "name": "toy"}
    assert all(torch.equal(v, theirs.state_dict()[k]) for k, v in ours.state_dict().items())

    ours.linear.weight.data.mul_(3)
    ours.save_pretrained(tmp_path / "ours")
    again = DiffusersToy.from_pretrained(tmp_path / "ours")
    assert torch.equal(again.linear.weight, ours.linear.weight) and tuple(again.config.shape) == (3, 1)
    assert load_file(tmp_path / "ours" / WEIGHTS_NAME).keys() == load_file(tmp_path / "theirs" / WEIGHTS_NAME).keys()


def test_loading_leaves_the_global_seed_alone(saved):
    _, folder = saved
    torch.manual_seed(0); expected = torch.rand(3)
    torch.manual_seed(0); Toy.from_pretrained(folder); after = torch.rand(3)
    assert torch.equal(expected, after)   # the throwaway random init drew from a forked generator
