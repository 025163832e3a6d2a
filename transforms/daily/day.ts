/**
 * SPEC §7.3, one event at a time: the linkage server's day. Events come in processing order (the
 * stage's order_by); each one is turned into actions, rows that the SQL after this stage applies
 * to the state and the feeds:
 *
 * | action       | what happened                                                              |
 * | ------------ | -------------------------------------------------------------------------- |
 * | `registered` | a change became the person's registry record (`present` by its class)      |
 * | `sent`       | a change of a person not listed: to the outbound feed                      |
 * | `held`       | a change of a listed person: appended to the held store                    |
 * | `listed`     | a request accepted: the person is listed `since` its time                  |
 * | `deletion`   | the ex-officio deletion (23) a request of a present person sends           |
 * | `entry`      | the matching ex-officio entry (13), held                                   |
 * | `released`   | a withdraw accepted: the person's held records go out (released.sql)       |
 * | `unlisted`   | the person is no longer listed                                             |
 * | `exception`  | a request by a listed person, or a withdraw by one who is not              |
 *
 * `step` numbers the events 1…n in processing order; `part` orders the actions of one event.
 * The state this function keeps is that of the persons the day touches only (the `touched` side
 * input): their registry record and whether they are listed, as the events before leave them.
 */

/** One event of the day (transforms/daily/events.sql). */
interface DayEvent {
  readonly at: string;
  readonly kind: 'list' | 'change';
  readonly person_id: string;
  /** List events: `request` or `withdraw`. */
  readonly event: string | null;
  readonly juminhyo_code: string | null;
  readonly event_code: string | null;
  readonly event_date: string | null;
  readonly name: string | null;
  readonly name_kana: string | null;
  readonly birth_date: string | null;
  readonly sex: string | null;
  readonly address: string | null;
}

/** A person's registry record: the values the network would have. */
interface Registered {
  readonly present: boolean;
  readonly juminhyo_code: string;
  readonly name: string;
  readonly name_kana: string;
  readonly birth_date: string;
  readonly sex: string;
  readonly address: string;
}

interface Touched extends Partial<Registered> {
  readonly person_id: string;
  readonly known: boolean;
  readonly listed: boolean;
}

interface State {
  readonly registry: Map<string, Registered>;
  readonly listed: Set<string>;
  readonly classes: Map<string, string>;
  step: number;
}

type Action = Record<string, string | number | boolean | null>;

interface Context {
  readonly inputs: { readonly touched: readonly Touched[]; readonly event_codes: readonly { code: string; class: string }[] };
  state: State;
}

export function init(ctx: Context): State {
  const registry = new Map<string, Registered>();
  const listed = new Set<string>();
  for (const t of ctx.inputs.touched) {
    if (t.known) registry.set(t.person_id, t as Registered);
    if (t.listed) listed.add(t.person_id);
  }
  return { registry, listed, classes: new Map(ctx.inputs.event_codes.map((c) => [c.code, c.class])), step: 0 };
}

export default function day(e: DayEvent, ctx: Context): Action[] {
  const s = ctx.state;
  const step = ++s.step;
  const p = e.person_id;
  if (e.kind === 'change') return change(e, s, step);
  if (e.event === 'request') {
    if (s.listed.has(p)) return [exception(e, step, 'duplicate_request')];
    s.listed.add(p);
    const actions: Action[] = [{ step, part: 0, action: 'listed', person_id: p, since: e.at }];
    const r = s.registry.get(p);
    // A person who is not present, or was never seen, is listed all the same: nothing to send or hold.
    if (r?.present) {
      const exOfficio = { juminhyo_code: r.juminhyo_code, previous_juminhyo_code: null, event_date: e.at.slice(0, 10), name: r.name, name_kana: r.name_kana, birth_date: r.birth_date, sex: r.sex, address: r.address };
      actions.push({ step, part: 1, action: 'deletion', person_id: p, event_code: '23', ...exOfficio });
      actions.push({ step, part: 2, action: 'entry', person_id: p, event_code: '13', ...exOfficio });
    }
    return actions;
  }
  if (!s.listed.has(p)) return [exception(e, step, 'not_listed')];
  s.listed.delete(p);
  return [
    { step, part: 0, action: 'released', person_id: p },
    { step, part: 1, action: 'unlisted', person_id: p },
  ];
}

/** A change becomes the person's record, and goes out or is held as they are listed or not. */
function change(e: DayEvent, s: State, step: number): Action[] {
  const p = e.person_id;
  const cls = s.classes.get(e.event_code!);
  const values = { juminhyo_code: e.juminhyo_code!, name: e.name!, name_kana: e.name_kana!, birth_date: e.birth_date!, sex: e.sex!, address: e.address! };
  // A code change names the code it replaces: the person's code before this change, from the state or the day.
  const previous = e.event_code === '34' ? (s.registry.get(p)?.juminhyo_code ?? null) : null;
  const record: Registered = { present: cls === 'add' || cls === 'modify', ...values };
  s.registry.set(p, record);
  return [
    { step, part: 0, action: 'registered', person_id: p, ...record },
    { step, part: 1, action: s.listed.has(p) ? 'held' : 'sent', person_id: p, ...values, previous_juminhyo_code: previous, event_code: e.event_code, event_date: e.event_date },
  ];
}

function exception(e: DayEvent, step: number, reason: string): Action {
  return { step, part: 0, action: 'exception', person_id: e.person_id, event: e.event, at: e.at, reason };
}
