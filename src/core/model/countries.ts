/**
 * The European Economic Area (EU 27 + Iceland, Liechtenstein, Norway), ISO 3166 alpha-3.
 * A recipient outside it receives personal data only under a Chapter V safeguard (GDPR Art. 44–49).
 */
export const EEA_COUNTRIES: ReadonlySet<string> = new Set([
  'AUT',
  'BEL',
  'BGR',
  'HRV',
  'CYP',
  'CZE',
  'DNK',
  'EST',
  'FIN',
  'FRA',
  'DEU',
  'GRC',
  'HUN',
  'IRL',
  'ITA',
  'LVA',
  'LTU',
  'LUX',
  'MLT',
  'NLD',
  'POL',
  'PRT',
  'ROU',
  'SVK',
  'SVN',
  'ESP',
  'SWE',
  'ISL',
  'LIE',
  'NOR',
]);

export const isInEea = (country: string): boolean => EEA_COUNTRIES.has(country);
