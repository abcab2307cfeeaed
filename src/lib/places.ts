/**
 * Indian states and union territories (GST state codes' two-letter abbreviations, as the
 * vehicle registration and ISO 3166-2:IN use them), and countries as ISO 3166-1 alpha-2.
 */
export const INDIAN_STATES: Readonly<Record<string, string>> = {
  AN: 'Andaman and Nicobar Islands',
  AP: 'Andhra Pradesh',
  AR: 'Arunachal Pradesh',
  AS: 'Assam',
  BR: 'Bihar',
  CH: 'Chandigarh',
  CT: 'Chhattisgarh',
  DH: 'Dadra and Nagar Haveli and Daman and Diu',
  DL: 'Delhi',
  GA: 'Goa',
  GJ: 'Gujarat',
  HR: 'Haryana',
  HP: 'Himachal Pradesh',
  JK: 'Jammu and Kashmir',
  JH: 'Jharkhand',
  KA: 'Karnataka',
  KL: 'Kerala',
  LA: 'Ladakh',
  LD: 'Lakshadweep',
  MP: 'Madhya Pradesh',
  MH: 'Maharashtra',
  MN: 'Manipur',
  ML: 'Meghalaya',
  MZ: 'Mizoram',
  NL: 'Nagaland',
  OR: 'Odisha',
  PY: 'Puducherry',
  PB: 'Punjab',
  RJ: 'Rajasthan',
  SK: 'Sikkim',
  TN: 'Tamil Nadu',
  TG: 'Telangana',
  TR: 'Tripura',
  UP: 'Uttar Pradesh',
  UT: 'Uttarakhand',
  WB: 'West Bengal',
};

// Other spellings people write: older names and common codes (TS for Telangana, UK for
// Uttarakhand, OD for Odisha, CG for Chhattisgarh, NCT of Delhi, Pondicherry, Orissa…).
const ALIASES: Readonly<Record<string, string>> = {
  ts: 'TG',
  uk: 'UT',
  od: 'OR',
  cg: 'CT',
  dn: 'DH',
  dd: 'DH',
  orissa: 'OR',
  pondicherry: 'PY',
  'nct of delhi': 'DL',
  'new delhi': 'DL',
  uttaranchal: 'UT',
  'andaman & nicobar islands': 'AN',
  'jammu & kashmir': 'JK',
  'dadra & nagar haveli and daman & diu': 'DH',
  'dadra and nagar haveli': 'DH',
  'daman and diu': 'DH',
};

const BY_NAME = new Map<string, string>([
  ...Object.entries(INDIAN_STATES).map(([code, name]) => [name.toLowerCase(), code] as const),
  ...Object.keys(INDIAN_STATES).map((code) => [code.toLowerCase(), code] as const),
  ...Object.entries(ALIASES),
]);

/** The two-letter code of an Indian state or union territory given by name or code (any case); null if none. */
export function indianStateCode(input: string): string | null {
  return BY_NAME.get(input.trim().replace(/\s+/g, ' ').toLowerCase()) ?? null;
}

/**
 * A country as an ISO 3166-1 alpha-2 code: `India` (any case) or a two-letter code; null for
 * a name this shop cannot map (it ships by code).
 */
export function countryCode(input: string): string | null {
  const t = input.trim();
  if (/^india$/i.test(t)) return 'IN';
  return /^[A-Za-z]{2}$/.test(t) ? t.toUpperCase() : null;
}

/** What a country that countryCode() cannot map is told. */
export const COUNTRY_MESSAGE = 'Give India or a two-letter country code (ISO 3166-1 alpha-2), e.g. IN.';

/** Indian postal codes (PIN): six digits, the first not 0. */
export const INDIAN_PIN = /^[1-9][0-9]{5}$/;
