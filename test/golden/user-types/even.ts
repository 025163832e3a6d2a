// A column type as a module: the default export needs sqlType and parse (see README, "Column types").
const NOT_EVEN = Object.freeze({ invalid: 'not an even number' });

export default {
  description: 'an even integer',
  sqlType: () => 'integer',
  parse: (text: string) => (/^\d*[02468]$/.test(text) ? text : NOT_EVEN),
};
