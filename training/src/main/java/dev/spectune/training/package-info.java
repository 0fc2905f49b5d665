/**
 * DreamBooth-style personalization with any adapter: the run's settings (TrainingConfig), the
 * training step (TrainingStep) the trainer (DreamBoothTrainer) repeats, the run around it
 * (TrainingRun: validation, checkpoints, run.json, the adapter folder).
 */
package dev.spectune.training;
