// The schedule queue's repeating jobs (BullMQ job schedulers): the daily digest, at the
// organisation's digest time in its time zone, and the periodic reconcile. Redis may lose them
// like anything else; recovery upserts them again.
import type { Queue } from 'bullmq';
import type { ScheduleJob } from '../queue/jobs.js';

export interface JobSchedulerTimes {
  /** 'HH:MM', local to `timezone`. */
  digestTime: string;
  timezone: string;
  reconcileEveryMs: number;
}

/** Create or update both job schedulers (the same ids: a repeat changes nothing). */
export async function upsertJobSchedulers(queue: Queue<ScheduleJob>, t: JobSchedulerTimes): Promise<void> {
  const [hh, mm] = t.digestTime.split(':').map(Number);
  await queue.upsertJobScheduler('digest', { pattern: `${mm} ${hh} * * *`, tz: t.timezone }, { name: 'digest', data: { type: 'digest' } });
  await queue.upsertJobScheduler('reconcile', { every: t.reconcileEveryMs }, { name: 'reconcile', data: { type: 'reconcile' } });
}

/** Whether Redis still holds both job schedulers (false after it lost its state). */
export async function jobSchedulersPresent(queue: Queue<ScheduleJob>): Promise<boolean> {
  const [digest, periodic] = await Promise.all([queue.getJobScheduler('digest'), queue.getJobScheduler('reconcile')]);
  return !!digest && !!periodic;
}
