/**
 * lib/model/: the A3C actor-critic, pi(a|s; theta) and V(s; theta), with its parameters in one
 * flat Float32Array, and the tfjs backend that computes its gradients. One job per file, in the
 * order the data meets them:
 *   spec.ts           what a model is (ModelSpec, MODEL_KINDS, validation, defaultModelSpec)
 *   layout.ts         where each named parameter sits in the flat array
 *   init.ts           the initial parameters (orthogonal, from the seeded Rng)
 *   distributions.ts  the Gaussian / tanh-squashed Gaussian math (log-probs, entropy, KL)
 *   dense.ts          the plain-TypeScript dense layer
 *   forward.ts        step 2, every env step: the plain-TypeScript forward pass and action sampling
 *   batch.ts          the rollout batch step 4 reads, and its shape checks
 *   tf_graph.ts       step 4, part 1: the tfjs forward graph over a rollout
 *                     (part 2, the loss, is lib/a3c/losses.ts)
 *   backward.ts       step 4, part 3: the hand-written backward pass to every parameter
 *   kl.ts             step 7: how far an update moved the policy
 *   actor_critic.ts   ActorCritic, the thin API over all of these
 *   backend.ts        choosing the tfjs backend of a thread
 */
export * from './spec.js';
export { type ParamEntry, paramCount, paramLayout } from './layout.js';
export { orthogonalKernel } from './init.js';
export * from './distributions.js';
export type { ActOutput } from './forward.js';
export type { LossCoefficients, LossInfo, RolloutBatch } from './batch.js';
export { ActorCritic, type BatchOutputs } from './actor_critic.js';
export * from './backend.js';
