// Pure parsers for what people type into chat forms. No I/O, no clock, no environment:
// `now` and `timezone` are passed in. Every parser returns a ParseResult and never throws on
// user input; errors are short zh-CN sentences (with English alongside) naming the expected
// format and giving an example.

export { fail, ok, type ParseContext, type ParseResult, type Unsure } from './types.js';
export { parseDateRange, parseDateTime, weekdayDate, PERIOD_DEFAULT_HOUR, type DateRangeValue, type DateTimeValue } from './datetime.js';
export { formatYuan, parseFormula, parseMoney, readMoney, type Formula, type MoneyReading } from './money.js';
export { parseCount, parseNumberText } from './numbers.js';
export { parseChoice, type ChoiceOption } from './choice.js';
export { parseBudgetItems, readBudget, unsureText, type BudgetItem, type BudgetReading } from './budget.js';
export { parseMultiline, type MultilineOptions } from './text.js';
