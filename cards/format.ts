// Value formatting shared by every card: dates in the organisation's timezone, money in yuan.
// A field's value is shown by its kind (showValue in src/core/fields/).
export { formatDateTime, formatMoney } from '../src/core/fields/index.js';
