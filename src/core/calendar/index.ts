export { createCalendar, type CalendarOptions, type OfficialArrangement, type WorkCalendar, type YearFingerprint } from './calendar.js';
export { parseDueSpec, MAX_DUE_AMOUNT, type DueSpec } from './due.js';
export { NATIONAL_DATA_YEARS } from './national.js';
export { statutoryDaysOff, type StatutoryDay } from './statutory.js';
export { calendarNotes, provisionalHorizon, provisionalNote, provisionalWarning } from './provisional.js';
