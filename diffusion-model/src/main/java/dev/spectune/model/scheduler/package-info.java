/**
 * Noise schedulers with diffusers' semantics (scheduling_ddpm.py, scheduling_ddim.py,
 * scheduling_pndm.py, scheduling_euler_discrete.py, scheduling_dpmsolver_multistep.py), driven by
 * a scheduler_config.json. Tensors are float32 INDArrays, as in the pipelines; the schedule tables
 * are computed the way torch computes them (float32 betas, cumulative product accumulated in
 * double), so they agree with diffusers' to the last bit or ulp.
 */
package dev.spectune.model.scheduler;
