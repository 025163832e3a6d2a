import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type YAMLError } from 'yaml';
import { EtlError, type Diagnostic, type Position } from '../errors.ts';

/** Documents past this size are refused before parsing: a pipeline file is a page, not a data set. */
const MAX_DOCUMENT_BYTES = 1024 * 1024;
/** Aliases past this count are refused: they are how a small file expands into a huge one. */
const MAX_ALIAS_COUNT = 100;
/** YAML problems listed before the rest are only counted, as for invalid rows. */
const MAX_LISTED_PROBLEMS = 100;

/** A YAML node that remembers where it is, so every problem can be reported at a line and column. */
export class YamlNode {
  readonly #node: Node | null;
  readonly #file: string;
  readonly #lines: LineCounter;
  readonly #fallback: Position;
  readonly #doc: Document.Parsed;

  constructor(node: Node | null, file: string, lines: LineCounter, fallback: Position, doc: Document.Parsed) {
    // An alias (`*feed`) stands for the node it names; positions are those of the anchored text.
    this.#node = isAlias(node) ? ((node.resolve(doc) as Node | undefined) ?? null) : node;
    this.#doc = doc;
    this.#file = file;
    this.#lines = lines;
    this.#fallback = fallback;
  }

  get pos(): Position {
    const start = this.#node?.range?.[0];
    if (start === undefined) return this.#fallback;
    const { line, col } = this.#lines.linePos(start);
    return { file: this.#file, line, col };
  }

  get isMap(): boolean {
    return isMap(this.#node);
  }

  get isList(): boolean {
    return isSeq(this.#node);
  }

  get isNull(): boolean {
    return this.#node === null || (isScalar(this.#node) && this.#node.value === null);
  }

  /** A scalar as text (numbers and booleans as written), or undefined for anything else. */
  get text(): string | undefined {
    if (!isScalar(this.#node) || this.#node.value === null) return undefined;
    const v = this.#node.value;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
      return this.#node.source ?? String(v);
    }
    return undefined;
  }

  /** Keys and values of a mapping, in file order; keys as text with their own positions. */
  entries(): { key: string; keyPos: Position; value: YamlNode }[] {
    if (!isMap(this.#node)) return [];
    return this.#node.items.map((pair) => {
      const keyNode = new YamlNode(pair.key as Node, this.#file, this.#lines, this.pos, this.#doc);
      const valuePos = keyNode.pos;
      return {
        key: keyNode.text ?? '',
        keyPos: keyNode.pos,
        value: new YamlNode((pair.value as Node | null) ?? null, this.#file, this.#lines, valuePos, this.#doc),
      };
    });
  }

  items(): YamlNode[] {
    if (!isSeq(this.#node)) return [];
    return this.#node.items.map((n) => new YamlNode(n as Node, this.#file, this.#lines, this.pos, this.#doc));
  }
}

/** Parses a pipeline file's text into its root node, refusing YAML errors, alias bombs and huge files. */
export function parseYaml(text: string, file: string): YamlNode {
  if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES) {
    throw new EtlError('invalid', [{ pos: { file }, message: `the pipeline file is larger than ${MAX_DOCUMENT_BYTES} bytes` }]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) throw new EtlError('invalid', yamlProblems(doc.errors, file, lines));
  try {
    // Resolving aliases is where a bomb would expand; toJS enforces the alias limit.
    doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new EtlError('invalid', [{ pos: { file, line: 1, col: 1 }, message: `invalid YAML: ${(e as Error).message}` }]);
  }
  return new YamlNode(doc.contents as Node | null, file, lines, { file, line: 1, col: 1 }, doc);
}

/**
 * One message per problem: the parser reports an unclosed bracket again for every collection
 * nested in it (787 times for one file), all at one position with one message. The first 100
 * in file order are listed, then a count.
 */
function yamlProblems(errors: readonly YAMLError[], file: string, lines: LineCounter): Diagnostic[] {
  // The parser recurses into nested collections and reports running out of stack as a problem;
  // what it reports after that (how much depends on the stack's size) says nothing more.
  const overflow = errors.find((e) => e.message.includes('Maximum call stack size exceeded'));
  if (overflow) return [{ pos: { file, ...lines.linePos(overflow.pos[0]) }, message: 'invalid YAML: collections nested too deeply to read' }];
  const unique = new Map<string, { line: number; col: number; message: string }>();
  for (const e of errors) {
    const { line, col } = lines.linePos(e.pos[0]);
    const message = `invalid YAML: ${e.message.split('\n')[0]}`;
    unique.set(`${line}:${col}:${message}`, { line, col, message });
  }
  const sorted = [...unique.values()].sort((a, b) => a.line - b.line || a.col - b.col);
  const listed: Diagnostic[] = sorted.slice(0, MAX_LISTED_PROBLEMS).map(({ line, col, message }) => ({ pos: { file, line, col }, message }));
  const more = sorted.length - listed.length;
  return more > 0 ? [...listed, { message: `… and ${more} more YAML problem${more === 1 ? '' : 's'} not listed` }] : listed;
}
