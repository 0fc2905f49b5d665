"""Writes the PyTorch zip checkpoints TorchCheckpointTest reads, the way torch.save lays them out
(torch/serialization.py, _save: a pickle protocol 2 of the object with each storage replaced by
the persistent id ('storage', <dtype>Storage, key, location, numel), every storage's bytes as
archive/data/<key>, archive/version) - without torch: stand-in classes whose pickled references
are torch's own names (torch._utils._rebuild_tensor_v2, torch.FloatStorage, ...).
Run with any Python 3; the fixtures are committed beside it.
"""
import collections, io, pickle, struct, sys, types, zipfile

torch = types.ModuleType("torch"); utils = types.ModuleType("torch._utils")
sys.modules["torch"] = torch; sys.modules["torch._utils"] = utils
def _rebuild_tensor_v2(*a): pass
def _rebuild_parameter(*a): pass
_rebuild_tensor_v2.__module__ = _rebuild_parameter.__module__ = "torch._utils"
utils._rebuild_tensor_v2 = _rebuild_tensor_v2; utils._rebuild_parameter = _rebuild_parameter
for n in ("FloatStorage", "HalfStorage", "BFloat16Storage", "LongStorage"):
    c = type(n, (), {}); c.__module__ = "torch"; setattr(torch, n, c)

class Storage:
    def __init__(self, kind, key, data, numel): self.kind, self.key, self.data, self.numel = kind, key, data, numel
class Tensor:
    def __init__(self, storage, offset, size, stride, parameter=False):
        self.args = (storage, offset, tuple(size), tuple(stride), False, collections.OrderedDict()); self.parameter = parameter
    def __reduce_ex__(self, proto):
        rebuilt = (_rebuild_tensor_v2, self.args)
        if not self.parameter: return rebuilt
        inner = Tensor.__new__(Tensor); inner.args = self.args; inner.parameter = False
        return (_rebuild_parameter, (inner, True, collections.OrderedDict()))

def save(path, obj, storages, extra_globals=None):
    buf = io.BytesIO()
    class P(pickle.Pickler):
        def persistent_id(self, o):
            return ("storage", getattr(torch, o.kind), o.key, "cpu", o.numel) if isinstance(o, Storage) else None
    P(buf, protocol=2).dump(obj)
    data = buf.getvalue()
    if extra_globals: data = extra_globals(data)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", data)
        z.writestr("archive/byteorder", "little")
        for s in storages: z.writestr("archive/data/" + s.key, s.data)
        z.writestr("archive/version", "3\n")

f32 = Storage("FloatStorage", "0", struct.pack("<8f", 1, 2, 3, 4, 5, 6, 7, 8), 8)
f16 = Storage("HalfStorage", "1", struct.pack("<4e", 0.5, -1.5, 2.0, 65504.0), 4)
i64 = Storage("LongStorage", "2", struct.pack("<3q", 1, -2, 3), 3)
state = collections.OrderedDict()
state["model.diffusion_model.conv.weight"] = Tensor(f32, 0, [2, 3], [3, 1])
state["model.diffusion_model.view"] = Tensor(f32, 6, [2], [1])                 # a view: offset 6 into the same storage
state["first_stage_model.half"] = Tensor(f16, 0, [2, 2], [2, 1], parameter=True)
state["cond_stage_model.position_ids"] = Tensor(i64, 0, [1, 3], [3, 1])
save("sd_like.ckpt", {"state_dict": state, "global_step": 7, "epoch": 1.5, "name": "x"}, [f32, f16, i64])

save("transposed.bin", collections.OrderedDict(w=Tensor(f32, 0, [3, 2], [1, 3])), [f32])

import os
class Evil:
    def __reduce__(self): return (os.system, ("echo pwned",))
buf = io.BytesIO(); pickle.Pickler(buf, protocol=2).dump({"x": Evil()})
with zipfile.ZipFile("code.pt", "w", zipfile.ZIP_STORED) as z:
    z.writestr("archive/data.pkl", buf.getvalue()); z.writestr("archive/version", "3\n")
