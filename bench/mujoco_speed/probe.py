"""Python MuJoCo speed probe (the mujoco wheel, native MuJoCo 3.14), twin of probe.ts.

CPU microseconds per mj_step with constant controls: a Python loop of mj_step calls, and one
mj_step(m, d, nstep=N) call. usage: python probe.py model.xml [steps]
"""
import json
import sys
import time

import mujoco

model_file = sys.argv[1]
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
m = mujoco.MjModel.from_xml_path(model_file)
d = mujoco.MjData(m)
controls = [0.5 if k % 2 else -0.5 for k in range(m.nu)]


def restart():
    mujoco.mj_resetData(m, d)
    d.ctrl[:] = controls


restart()
mujoco.mj_step(m, d, nstep=2000)  # warm-up, as probe.ts
restart()
cpu0 = time.process_time()
for _ in range(steps):
    mujoco.mj_step(m, d)
loop = (time.process_time() - cpu0) / steps * 1e6
restart()
cpu0 = time.process_time()
mujoco.mj_step(m, d, nstep=steps)
nstep = (time.process_time() - cpu0) / steps * 1e6
print(json.dumps({"build": "python", "protocol": "const", "version": mujoco.mj_versionString(),
                  "steps": steps, "cpu_us_per_step": round(loop, 3), "cpu_us_per_step_nstep": round(nstep, 3),
                  "x": float(d.qpos[0])}))
