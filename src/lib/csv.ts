/**
 * CSV (RFC 4180) for spreadsheets: fields with a comma, quote, CR or LF are quoted (quotes
 * doubled), lines end in CRLF. A text cell starting with = + - @ (or a tab or CR) is prefixed
 * with ' so that a spreadsheet shows it instead of running it as a formula (CSV injection).
 */
export type CsvValue = string | number | null;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: numbers as they are, text guarded against formulas, quoted when it must be. */
export function csvCell(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line of cells, with its CRLF. */
export function csvLine(values: readonly CsvValue[]): string {
  return values.map(csvCell).join(',') + '\r\n';
}
