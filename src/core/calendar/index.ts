export { createCalendar, type CalendarOptions, type WorkCalendar } from './calendar.js';
export { parseDueSpec, MAX_DUE_AMOUNT, type DueSpec } from './due.js';
export { NATIONAL_DATA_YEARS } from './national.js';
