/** The schema builders, re-exported as the `s` namespace: `s.object`, `s.number`, … */
export {
  anyOf,
  array,
  boolean,
  defaulted,
  number,
  object,
  oneOf,
  optional,
  record,
  required,
  string,
  unknownValue,
} from './schema.js';
