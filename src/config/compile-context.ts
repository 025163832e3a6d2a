import fs from 'node:fs';
import path from 'node:path';
import { displayPath, type Position, type Problems } from '../errors.ts';
import type { TypeRegistry } from '../types/type-registry.ts';
import type { YamlNode } from './yaml-node.ts';
import { hint } from './suggest.ts';

const PARAM_REF = /\$\{([^}]*)\}/g;

/** What compiling one stage may use: the file being compiled, its parameters, types, and where to report problems. */
export class CompileContext {
  readonly file: string;
  readonly dir: string;
  readonly problems: Problems;
  readonly params: Readonly<Record<string, string>>;
  readonly types: TypeRegistry;

  constructor(file: string, problems: Problems, params: Record<string, string>, types: TypeRegistry) {
    this.file = file;
    this.dir = path.dirname(file);
    this.problems = problems;
    this.params = params;
    this.types = types;
  }

  /** Replaces `${name}` with parameter values; an unknown name is a problem at the node. */
  substitute(text: string, pos: Position): string | undefined {
    let ok = true;
    const out = text.replace(PARAM_REF, (whole, name: string) => {
      const value = this.params[name];
      if (value === undefined) {
        ok = false;
        this.problems.add(pos, `unknown parameter "${name}" in "${whole}"${hint(name, Object.keys(this.params).sort(), 'parameters')}`);
        return whole;
      }
      return value;
    });
    return ok ? out : undefined;
  }

  /** A path value: parameters substituted, resolved from the pipeline file's folder. */
  path(node: YamlNode | undefined, what: string): string | undefined {
    const text = this.text(node, what);
    if (text === undefined || node === undefined) return undefined;
    const value = this.substitute(text, node.pos);
    return value === undefined ? undefined : path.resolve(this.dir, value);
  }

  /** A path that must name an existing, readable file; `data` files are inputs, not parts of the pipeline. */
  existingFile(node: YamlNode | undefined, what: string, kind: 'pipeline' | 'data' = 'pipeline'): string | undefined {
    const file = this.path(node, what);
    if (file === undefined || node === undefined) return undefined;
    try {
      if (!fs.statSync(file).isFile()) {
        this.problems.add(node.pos, `${what}: ${displayPath(file)} is not a file`, kind);
        return undefined;
      }
      fs.accessSync(file, fs.constants.R_OK);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      this.problems.add(node.pos, code === 'ENOENT' ? `${what}: file not found: ${displayPath(file)}` : `${what}: cannot read ${displayPath(file)} (${code})`, kind);
      return undefined;
    }
    return file;
  }

  /** A scalar value; anything else is a problem naming what was expected. A missing key was reported already. */
  text(node: YamlNode | undefined, what: string): string | undefined {
    if (node === undefined) return undefined;
    const text = node.text;
    if (text === undefined || text === '') this.problems.add(node.pos, `${what} must be a non-empty text value`);
    return text || undefined;
  }

  /** A list of stage ids or column names; a single scalar counts as a list of one. */
  names(node: YamlNode | undefined, what: string): { name: string; pos: Position }[] {
    if (node === undefined || node.isNull) return [];
    if (node.text !== undefined) return [{ name: node.text, pos: node.pos }];
    if (!node.isList) {
      this.problems.add(node.pos, `${what} must be a list of names`);
      return [];
    }
    const out: { name: string; pos: Position }[] = [];
    for (const item of node.items()) {
      const t = item.text;
      if (t === undefined || t === '') this.problems.add(item.pos, `${what} must hold names only`);
      else out.push({ name: t, pos: item.pos });
    }
    return out;
  }

  /** One of a fixed set of words; the message lists them. */
  oneOf<T extends string>(node: YamlNode, what: string, allowed: readonly T[]): T | undefined {
    const text = node.text;
    if (text !== undefined && (allowed as readonly string[]).includes(text)) return text as T;
    this.problems.add(node.pos, `${what} must be one of: ${allowed.join(', ')}`);
    return undefined;
  }
}
