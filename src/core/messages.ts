// The message API's historical home: the catalogs and `t` live in ./i18n/.
export * from './i18n/index.js';
