// Deadlines, reminders, escalation, event prompts and the daily digest (README: "Deadlines and reminders").
export { createScheduler, TICK_MS, tickAt, tickIdOf, type FireOutcome, type Scheduler, type SchedulerDeps } from './scheduler.js';
export { insertTimers, timerIdOf, TimerAlreadyHandledError, type Mirror, type TimerPayload } from './timers-repo.js';
