// The tone of each request status, shared by the approval card and the simulator's detail view.
import type { RequestStatus } from '../src/core/model.js';
import type { Tone } from './model.js';

/** The tone of a request's status badge (the approval card, the simulator's detail view). */
export const STATUS_TONE: Record<RequestStatus, Tone> = {
  consulting: 'pending',
  pending: 'pending',
  approved: 'approved',
  rejected: 'rejected',
  returned: 'warning',
  withdrawn: 'neutral',
  expired: 'neutral',
  summary_due: 'info',
  summary_submitted: 'info',
  scored: 'info',
  reimbursing: 'info',
  closed: 'approved',
};
