import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';
import { REQUEST_MESSAGE } from './http/request-log.js';

/** Where log lines go: stdout by default; a test gives a stream of its own. */
interface LogOutput {
  /** Whether the output is a terminal (LOG_FORMAT=auto prints pretty lines to one). */
  isTTY?: boolean;
  stream?: DestinationStream;
}

/** `pretty` or `json`: LOG_FORMAT, or for `auto` whether the output is a terminal. */
export function logFormatOf(
  config: Pick<Config, 'logFormat'>,
  output: LogOutput,
): 'pretty' | 'json' {
  if (config.logFormat !== 'auto') return config.logFormat;
  return output.isTTY ? 'pretty' : 'json';
}

/**
 * The process's logger. JSON (the hot path, for log collectors): pino's own serializer, ISO
 * times. Pretty (a developer's terminal): pino-pretty, one coloured line per event.
 */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFormat'>,
  output: LogOutput = { isTTY: process.stdout.isTTY },
): Logger {
  const options = { level: config.logLevel, timestamp: pino.stdTimeFunctions.isoTime };
  if (logFormatOf(config, output) === 'json') {
    return output.stream ? pino(options, output.stream) : pino(options);
  }
  return pino(options, prettyStream(output.stream));
}

/** Fields every line has, or that the pretty line shows in its own place. */
const SHOWN_ELSEWHERE = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'reqId', 'err']);
const REQUEST_FIELDS = new Set(['method', 'path', 'status', 'ms']);

type Colors = Record<'bold' | 'gray' | 'green' | 'yellow' | 'red', (text: string) => string>;
type Line = Record<string, unknown>;

/** pino-pretty writing one line per event: time, level, then the request or message and its fields. */
function prettyStream(destination?: DestinationStream) {
  return pretty({
    colorize: true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    // The fields are written by messageFormat (one line); only an error's stack takes more.
    hideObject: true,
    messageFormat: (log, messageKey, _levelLabel, extras) =>
      prettyLine(log, messageKey, extras.colors as Colors),
    ...(destination ? { destination: destination as NodeJS.WritableStream } : {}),
  });
}

/** The text after time and level: `GET /path 200 1.2 ms`, or the message, then `key=value`s and the request id. */
function prettyLine(log: Line, messageKey: string, colors: Colors): string {
  const isRequest = log[messageKey] === REQUEST_MESSAGE && typeof log.status === 'number';
  let line: string;
  if (isRequest) {
    const status = log.status as number;
    const paint = status >= 500 ? colors.red : status >= 400 ? colors.yellow : colors.green;
    line = `${colors.bold(String(log.method))} ${String(log.path)} ${paint(String(status))} ${colors.gray(`${String(log.ms)} ms`)}`;
  } else {
    line = String(log[messageKey] ?? '');
  }
  for (const [key, value] of Object.entries(log)) {
    if (SHOWN_ELSEWHERE.has(key) || (isRequest && REQUEST_FIELDS.has(key)) || value === undefined)
      continue;
    line += ` ${colors.gray(`${key}=`)}${fieldText(value)}`;
  }
  if (typeof log.reqId === 'string') line += colors.gray(` [${log.reqId}]`);
  const err = log.err as { stack?: unknown; message?: unknown } | undefined;
  if (err && typeof err === 'object') {
    const stack = typeof err.stack === 'string' ? err.stack : String(err.message ?? '');
    line += `\n    ${stack.replace(/\n/g, '\n    ')}`;
  }
  return line;
}

/** A value as it reads in a line: plain words bare, anything else as JSON. */
function fieldText(value: unknown): string {
  if (typeof value === 'string' && /^[^\s"=]+$/.test(value)) return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? String(value);
}
