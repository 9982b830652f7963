/* Native MuJoCo speed probe, the C twin of probe.ts: CPU microseconds per mj_step, one JSON line.
 * Build against MuJoCo 3.14's headers and library (the Python wheel ships both, see README.md):
 *   gcc -O2 -I$MJ/include -o probe probe.c $MJ/libmujoco.so.3.14.0 -lm -Wl,-rpath,$MJ
 * usage: probe model.xml [steps] [const|random]  (protocols as in probe.ts) */
#include <mujoco/mujoco.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static uint64_t s = 88172645463325252ULL; /* xorshift64, the same stream as probe.ts */
static double uniform(void) {
  s ^= s << 13; s ^= s >> 7; s ^= s << 17;
  return (s >> 11) * (1.0 / 9007199254740992.0);
}

static void constant_controls(const mjModel* m, mjData* d) {
  for (int k = 0; k < m->nu; k++) d->ctrl[k] = k % 2 ? 0.5 : -0.5;
}

int main(int argc, char** argv) {
  if (argc < 2) { fprintf(stderr, "usage: %s model.xml [steps] [const|random]\n", argv[0]); return 2; }
  long steps = argc > 2 ? atol(argv[2]) : 100000;
  int random = argc > 3 && !strcmp(argv[3], "random");
  char error[1000];
  mjModel* m = mj_loadXML(argv[1], NULL, error, sizeof(error));
  if (!m) { fprintf(stderr, "%s\n", error); return 1; }
  mjData* d = mj_makeData(m);
  constant_controls(m, d);
  for (int i = 0; i < 2000; i++) mj_step(m, d); /* warm-up, as probe.ts */
  mj_resetData(m, d);
  constant_controls(m, d);
  double cpu0 = seconds(CLOCK_PROCESS_CPUTIME_ID), wall0 = seconds(CLOCK_MONOTONIC);
  for (long i = 0; i < steps; i++) {
    if (random && i % 5 == 0) for (int k = 0; k < m->nu; k++) d->ctrl[k] = 2 * uniform() - 1;
    if (random && i % 5000 == 0) {
      mj_resetData(m, d);
      for (int k = 0; k < m->nq; k++) d->qpos[k] += 0.2 * uniform() - 0.1;
    }
    mj_step(m, d);
  }
  double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0, wall = seconds(CLOCK_MONOTONIC) - wall0;
  printf("{\"build\":\"native\",\"protocol\":\"%s\",\"version\":\"%s\",\"steps\":%ld,"
         "\"cpu_us_per_step\":%.3f,\"wall_us_per_step\":%.3f,\"x\":%.17g}\n",
         random ? "random" : "const", mj_versionString(), steps, cpu / steps * 1e6, wall / steps * 1e6, d->qpos[0]);
  mj_deleteData(d);
  mj_deleteModel(m);
  return 0;
}
