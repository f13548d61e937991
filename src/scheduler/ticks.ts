// The timing of the schedule queue's jobs: which instants ticks fall on, and how early a job may
// wake before it goes back to sleep. Shared by the mirror (which adds the jobs) and the worker.

/** Jobs that fire earlier than this (real ms) are put back to sleep until their time. */
export const EARLY_MS = 50;
/**
 * Ticks fall on multiples of this (real ms), rounded up: timers due within one slot share a tick.
 * It bounds the lateness a tick adds.
 */
export const TICK_MS = 10;
/**
 * Timers due sooner than this get a job of their own instead of a tick: the tick of an instant
 * that has come (or nearly, on a replica whose clock runs ahead) may already have swept, and
 * adding its id again would change nothing.
 */
export const NEAR_MS = 2_000;
/**
 * A tick's job is due this long (real ms) before its instant and waits out the rest in process:
 * BullMQ takes tens of milliseconds to hand over a delayed job, a timer in the process one.
 */
export const TICK_LEAD_MS = 100;
/** The tick job id for timers due at this real instant (ms since the epoch). */
export const tickIdOf = (realMs: number): string => `k${(Math.ceil(realMs / TICK_MS) * TICK_MS).toString(36)}`;
/** The real instant (ms since the epoch) a tick job id stands for. */
export const tickAt = (id: string): number => parseInt(id.slice(1), 36);
