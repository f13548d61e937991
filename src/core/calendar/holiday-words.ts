// The statutory holidays' names as the law and chinese-days spell them (StatutoryDay.name is
// data, compared with published tables), and the solar term's name tyme4ts looks up: words the
// calendar reads and matches, not text composed for a reader.
export const HOLIDAY = {
  newYear: '元旦',
  springFestival: '春节',
  qingming: '清明节',
  labourDay: '劳动节',
  dragonBoat: '端午节',
  midAutumn: '中秋节',
  nationalDay: '国庆节',
} as const;

/** tyme4ts names the solar terms in Chinese: `SolarTerm.fromName(year, QINGMING_TERM)`. */
export const QINGMING_TERM = '清明';
