/**
 * Reads docs/walkthrough.md into shell blocks and writes the bash script that runs them.
 * Conventions (stated in the document's "How this page is tested"):
 *   ```sh    runs, in order, in one bash process
 *   ```text  right after a runnable block: lines that must appear, in order, in its output
 *   <!-- walkthrough:background -->  before a ```sh block: runs as its own background shell
 *   <!-- walkthrough:skip -->        before a ```sh block of installation commands: not run
 * (a marker applies to the next fenced block; only blank lines may come between)
 */

type BlockKind = 'run' | 'background' | 'skip';

export interface ShellBlock {
  /** 1-based number among the document's ```sh blocks. */
  number: number;
  /** Line of the opening fence in the document. */
  line: number;
  kind: BlockKind;
  code: string;
  /** The ```text block that follows, if any. */
  expected: string | null;
}

export interface Walkthrough {
  blocks: ShellBlock[];
  /** Convention violations: a block or marker that would escape testing. */
  problems: string[];
}

const FENCE = /^(\s*)(```|~~~)(.*)$/;
const MARKER = /^<!--\s*walkthrough:(\S*)\s*-->\s*$/;
/** What a skipped block may contain: installing, nothing that the walkthrough depends on. */
const INSTALL_COMMAND = /^(npm (ci|install)|git clone \S+( \S+)?|cd \S+)$/;

export function parseWalkthrough(markdown: string): Walkthrough {
  const lines = markdown.split('\n');
  const blocks: ShellBlock[] = [];
  const problems: string[] = [];
  let marker: { kind: BlockKind; line: number } | null = null;
  let previous: { block: ShellBlock | null; endLine: number } | null = null;

  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!;
    const markerMatch = MARKER.exec(text);
    if (markerMatch) {
      const kind = markerMatch[1];
      if (kind !== 'background' && kind !== 'skip') {
        problems.push(
          `line ${i + 1}: unknown marker "walkthrough:${kind}" (use background or skip)`,
        );
      } else {
        marker = { kind, line: i + 1 };
      }
      continue;
    }
    const fence = FENCE.exec(text);
    if (!fence) {
      // Blank lines may separate a marker from its block (Prettier puts one there).
      if (!text.trim()) continue;
      if (marker) {
        problems.push(`line ${marker.line}: the marker is not followed by a \`\`\`sh block`);
      }
      marker = null;
      continue;
    }
    const [, indent, delimiter, info] = fence;
    const lang = info!.trim();
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i]!.trim() !== delimiter; i++) body.push(lines[i]!);
    const code = body.join('\n');
    if (indent || delimiter !== '```') {
      problems.push(`line ${start + 1}: fences must be \`\`\` at the start of the line`);
    }
    const afterPrevious =
      previous && lines.slice(previous.endLine + 1, start).every((l) => !l.trim());
    if (lang === 'sh') {
      const block: ShellBlock = {
        number: blocks.length + 1,
        line: start + 1,
        kind: marker?.kind ?? 'run',
        code,
        expected: null,
      };
      if (block.kind === 'skip') {
        const commands = body.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
        for (const command of commands.filter((c) => !INSTALL_COMMAND.test(c))) {
          problems.push(
            `line ${start + 1}: a skipped block may only install, but it runs "${command}"`,
          );
        }
      }
      blocks.push(block);
      previous = { block, endLine: i };
    } else if (lang === 'text') {
      if (afterPrevious && previous!.block) previous!.block.expected = code;
      previous = { block: null, endLine: i };
    } else {
      problems.push(
        `line ${start + 1}: a \`\`\`${lang} block is neither run (sh) nor output (text)`,
      );
      previous = { block: null, endLine: i };
    }
    if (marker && lang !== 'sh')
      problems.push(`line ${marker.line}: the marker is not followed by a \`\`\`sh block`);
    marker = null;
  }
  if (marker) problems.push(`line ${marker.line}: the marker is not followed by a \`\`\`sh block`);
  return { blocks, problems };
}

const blockMarker = (n: number) => `@@walkthrough:block ${n}@@`;
export const EXITED = '@@walkthrough:exited';
export const END = '@@walkthrough:end@@';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * `npm start` builds dist/ first (seconds, and a shared folder); the test runs the same entry
 * point from the sources under tsx, as test/helpers/process.ts does. Every other npm command
 * (`npm run admin:create`, `npm run fake-razorpay`) is the real one.
 */
const NPM_SHIM = `npm() {
  if [ "$#" -eq 1 ] && [ "$1" = start ]; then node --import tsx src/server.ts; return; fi
  command npm "$@"
}
export -f npm`;

/**
 * The bash script: runnable blocks inline, each announced on stdout by its marker;
 * background blocks as their own bash (like another terminal: none of the session's
 * variables), output to background-<n>.log with a line when they exit.
 */
export function walkthroughScript(
  blocks: ShellBlock[],
  dir: string,
): { script: string; files: Record<string, string> } {
  const files: Record<string, string> = {};
  const parts = ['set -euo pipefail', 'exec 2>&1', NPM_SHIM];
  for (const block of blocks) {
    if (block.kind === 'skip') continue;
    parts.push(`echo ${quote(blockMarker(block.number))}`);
    if (block.kind === 'run') {
      parts.push(block.code);
    } else {
      const file = `${dir}/background-${block.number}.sh`;
      files[file] = block.code + '\n';
      parts.push(
        `(set +e; bash ${quote(file)}; echo "${EXITED} $?@@") > ${quote(`${dir}/background-${block.number}.log`)} 2>&1 &`,
      );
    }
  }
  parts.push(`echo ${quote(END)}`);
  return { script: parts.join('\n') + '\n', files };
}

/** Splits the script's output at the block markers: block number → what it printed. */
export function outputsByBlock(output: string): Map<number, string> {
  const outputs = new Map<number, string>();
  const pieces = output.split(/@@walkthrough:block (\d+)@@\n?/);
  for (let i = 1; i < pieces.length; i += 2)
    outputs.set(Number(pieces[i]), pieces[i + 1]!.replace(END, ''));
  return outputs;
}

/**
 * Checks a ```text block against an output: each non-empty expected line must match a later
 * line of the output, `…` standing for any text within the line. Returns the first expected
 * line that is missing, or null.
 */
export function missingExpectedLine(expected: string, output: string): string | null {
  const lines = output.split('\n').map((l) => l.trimEnd());
  let from = 0;
  for (const want of expected
    .split('\n')
    .map((l) => l.trimEnd())
    .filter(Boolean)) {
    const pattern = new RegExp(
      '^' +
        want
          .split('…')
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*') +
        '$',
    );
    const found = lines.findIndex((line, index) => index >= from && pattern.test(line));
    if (found < 0) return want;
    from = found + 1;
  }
  return null;
}
