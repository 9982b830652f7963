"""Record reference traces of Gymnasium's MuJoCo v5 tasks, for tests/gymnasium_traces.test.ts.

For each task this writes tests/fixtures/gymnasium/<Task>-v5.json with:
- `env`: the registration and env facts (frame_skip, dt, render fps, TimeLimit, reward
  threshold, action space bounds, observation shape);
- `model`: compiled MjModel facts (sizes, option values, names in id order, and the per-body,
  joint, dof, geom, site and actuator arrays that decide the physics), exact float64 values;
- `episodes`: for a few seeds, `reset(seed=s)` then steps of recorded actions until the episode
  ends or the seed's step budget is spent (a new `reset()` starts the next episode of the same
  seed if one ends early). Each episode holds the state right after reset (qpos, qvel: exact
  values, so the TypeScript test can start from Gymnasium's own reset noise, which it cannot
  draw itself), the reset observation and info, the actions, and per step the observation,
  reward and info terms, and the exact state after the step (qpos_after, qvel_after: the test can
  start any step from Gymnasium's own state); `end` says how the last step ended ("terminated", "truncated", or null
  when the budget ran out first), every earlier step being neither.

Actions are drawn by numpy's default_rng(seed) uniformly from 1.1x the action range (so MuJoCo's
clamping of ctrl and the control cost of the action as given are both exercised) and rounded to
4 decimals; the rounded values are what Gymnasium gets and what the fixture stores, so the test
replays exactly the same doubles. Observations, rewards and info terms are rounded to
`--digits` significant digits (default 12: a relative rounding error of 5e-13, far below the
test's tolerance).

Fixture size: each seed records at most `--steps` steps, fewer for tasks with large
observations so that a fixture holds about `--max-values` recorded numbers (Humanoid's 348
observation values per step would otherwise make megabytes).

Needs Gymnasium 1.3 and MuJoCo 3.14 (pip), never needed by the CLI or by `npm test`.
Regenerate every fixture with one command:

    python3 -m venv /work/venv-gym && /work/venv-gym/bin/pip install "gymnasium[mujoco]==1.3.0" mujoco==3.14.0
    /work/venv-gym/bin/python scripts/gymnasium_traces.py

or some tasks only: `... scripts/gymnasium_traces.py --tasks Hopper Walker2d --seeds 0 1 2`.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import gymnasium as gym
import mujoco
import numpy as np

ALL_TASKS = [
    "Ant",
    "HalfCheetah",
    "Hopper",
    "Humanoid",
    "HumanoidStandup",
    "InvertedDoublePendulum",
    "InvertedPendulum",
    "Pusher",
    "Reacher",
    "Swimmer",
    "Walker2d",
]

OUT_DIR = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "gymnasium"

# Sizes and scalar options of the compiled model.
MODEL_SIZES = ["nq", "nv", "nu", "na", "nbody", "njnt", "ngeom", "nsite", "ncam", "nlight", "nmat", "ntex"]
MODEL_OPTIONS = [
    "timestep",
    "gravity",
    "wind",
    "magnetic",
    "density",
    "viscosity",
    "integrator",
    "cone",
    "jacobian",
    "solver",
    "iterations",
    "tolerance",
    "disableflags",
    "enableflags",
]
# Per-object arrays that decide the dynamics (and what a renderer draws), by MjModel field name.
MODEL_ARRAYS = [
    "qpos0",
    "body_parentid",
    "body_pos",
    "body_quat",
    "body_ipos",
    "body_iquat",
    "body_mass",
    "body_inertia",
    "jnt_type",
    "jnt_bodyid",
    "jnt_qposadr",
    "jnt_dofadr",
    "jnt_pos",
    "jnt_axis",
    "jnt_limited",
    "jnt_range",
    "jnt_stiffness",
    "jnt_solref",
    "jnt_solimp",
    "jnt_margin",
    "dof_damping",
    "dof_armature",
    "dof_frictionloss",
    "geom_type",
    "geom_bodyid",
    "geom_contype",
    "geom_conaffinity",
    "geom_condim",
    "geom_size",
    "geom_pos",
    "geom_quat",
    "geom_friction",
    "geom_solref",
    "geom_solimp",
    "geom_margin",
    "geom_gap",
    "geom_rgba",
    "site_bodyid",
    "site_pos",
    "actuator_trntype",
    "actuator_trnid",
    "actuator_gear",
    "actuator_ctrllimited",
    "actuator_ctrlrange",
    "actuator_forcelimited",
    "actuator_forcerange",
    "actuator_gainprm",
    "actuator_biasprm",
    "cam_bodyid",
    "cam_mode",
    "cam_pos",
    "cam_quat",
]
NAMED_OBJECTS = {
    "body": mujoco.mjtObj.mjOBJ_BODY,
    "joint": mujoco.mjtObj.mjOBJ_JOINT,
    "geom": mujoco.mjtObj.mjOBJ_GEOM,
    "site": mujoco.mjtObj.mjOBJ_SITE,
    "camera": mujoco.mjtObj.mjOBJ_CAMERA,
    "actuator": mujoco.mjtObj.mjOBJ_ACTUATOR,
}
NAMED_COUNTS = {"body": "nbody", "joint": "njnt", "geom": "ngeom", "site": "nsite", "camera": "ncam", "actuator": "nu"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", nargs="+", default=ALL_TASKS, help="task names without -v5 (default: all eleven)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2], help="reset seeds (default 0 1 2)")
    parser.add_argument("--steps", type=int, default=150, help="step budget per seed (default 150)")
    parser.add_argument(
        "--max-values", type=int, default=20000, help="about how many numbers a fixture records (default 20000)"
    )
    parser.add_argument("--digits", type=int, default=12, help="significant digits of recorded outputs (default 12)")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"output folder (default {OUT_DIR})")
    return parser.parse_args()


def rounded(value, digits: int):
    """A number (or nested list of numbers) rounded to `digits` significant digits."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [rounded(v, digits) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"non-finite value {number} cannot be stored in JSON")
    return float(f"{number:.{digits}g}")


def exact(value):
    """Plain Python numbers (or nested lists) with every float64 bit kept (json writes repr)."""
    array = np.asarray(value)
    if array.dtype.kind in "iub":
        return array.tolist()
    return array.astype(np.float64).tolist()


def model_facts(model: mujoco.MjModel) -> dict:
    facts: dict = {name: int(getattr(model, name)) for name in MODEL_SIZES}
    for name in MODEL_OPTIONS:
        value = getattr(model.opt, name)
        facts[f"opt.{name}"] = exact(np.ravel(value)) if np.ndim(value) else exact(value)
    for name in MODEL_ARRAYS:
        facts[name] = exact(np.ravel(getattr(model, name)))
    names = {}
    for kind, obj in NAMED_OBJECTS.items():
        count = getattr(model, NAMED_COUNTS[kind])
        names[kind] = [mujoco.mj_id2name(model, obj, i) for i in range(count)]
    facts["names"] = names
    return facts


def env_facts(env: gym.Env) -> dict:
    base = env.unwrapped
    return {
        "frame_skip": base.frame_skip,
        "dt": base.dt,
        "render_fps": base.metadata["render_fps"],
        "max_episode_steps": env.spec.max_episode_steps,
        "reward_threshold": env.spec.reward_threshold,
        "action_low": exact(env.action_space.low),
        "action_high": exact(env.action_space.high),
        "action_dtype": str(env.action_space.dtype),
        "observation_shape": list(env.observation_space.shape),
        "observation_dtype": str(env.observation_space.dtype),
    }


def info_terms(info: dict, digits: int) -> dict:
    """The numeric info terms (scalars or arrays), rounded."""
    return {key: rounded(np.asarray(value).tolist(), digits) for key, value in sorted(info.items())}


def record_episode(env: gym.Env, rng: np.random.Generator, seed: int | None, budget: int, digits: int) -> dict:
    """One episode from reset(seed) (or reset() when seed is None), at most `budget` steps."""
    observation, info = env.reset(seed=seed)
    data = env.unwrapped.data
    low, high = env.action_space.low.astype(np.float64), env.action_space.high.astype(np.float64)
    episode = {
        "seed": seed,
        "qpos": exact(data.qpos),
        "qvel": exact(data.qvel),
        "reset_observation": rounded(observation, digits),
        "reset_info": info_terms(info, digits),
        "actions": [],
        "observations": [],
        "rewards": [],
        "qpos_after": [],
        "qvel_after": [],
        "info": {},
        "end": None,
    }
    for _ in range(budget):
        span = 1.1 * (high - low) / 2
        action = np.round(rng.uniform((low + high) / 2 - span, (low + high) / 2 + span), 4)
        observation, reward, terminated, truncated, info = env.step(action)
        episode["actions"].append(action.tolist())
        episode["observations"].append(rounded(observation, digits))
        episode["rewards"].append(rounded(reward, digits))
        episode["qpos_after"].append(exact(data.qpos))
        episode["qvel_after"].append(exact(data.qvel))
        for key, value in info_terms(info, digits).items():
            episode["info"].setdefault(key, []).append(value)
        if terminated or truncated:
            episode["end"] = "terminated" if terminated else "truncated"
            break
    return episode


def record_task(task: str, seeds: list[int], steps: int, max_values: int, digits: int) -> dict:
    env_id = f"{task}-v5"
    env = gym.make(env_id)
    try:
        # Numbers recorded per step: observation, action, state, reward and info terms
        # (Ant/Humanoid's info has about 10); the step budget shrinks for large tasks.
        model = env.unwrapped.model
        per_step = env.observation_space.shape[0] + env.action_space.shape[0] + model.nq + model.nv + 12
        budget = max(1, min(steps, max_values // (per_step * len(seeds))))
        episodes = []
        for seed in seeds:
            rng = np.random.default_rng(seed)
            remaining = budget
            first = True
            while remaining > 0:
                episode = record_episode(env, rng, seed if first else None, remaining, digits)
                first = False
                remaining -= len(episode["actions"])
                episode["seed_of_stream"] = seed
                episodes.append(episode)
        return {
            "format": 1,
            "task": env_id,
            "generated_by": "scripts/gymnasium_traces.py",
            "versions": {"gymnasium": gym.__version__, "mujoco": mujoco.__version__, "numpy": np.__version__},
            "digits": digits,
            "steps_per_seed": budget,
            "env": env_facts(env),
            "model": model_facts(env.unwrapped.model),
            "episodes": episodes,
        }
    finally:
        env.close()


def main() -> int:
    args = parse_args()
    unknown = [task for task in args.tasks if task not in ALL_TASKS]
    if unknown:
        print(f"unknown task(s) {', '.join(unknown)}; known: {', '.join(ALL_TASKS)}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    for task in args.tasks:
        fixture = record_task(task, args.seeds, args.steps, args.max_values, args.digits)
        path = args.out / f"{task}-v5.json"
        path.write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
        steps = sum(len(e["actions"]) for e in fixture["episodes"])
        ends = {end: sum(e["end"] == end for e in fixture["episodes"]) for end in ("terminated", "truncated", None)}
        print(f"{path.name}: {len(fixture['episodes'])} episodes, {steps} steps, ends {ends}, {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
