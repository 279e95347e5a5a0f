/**
 * docs/lifecycle.md, rendered from the lifecycle tables (src/domain/lifecycle.ts): mermaid state
 * diagrams, the transition tables and how an event flows. `npm run diagrams` writes it;
 * test/domain/lifecycle.test.ts fails when the file is stale.
 */
import { AGENT_LIFECYCLE, CALL_LIFECYCLE, CALL_PHASE_STORED, type Lifecycle } from './lifecycle.js';

/** A mermaid stateDiagram-v2: one arrow per (from, to) pair, labelled with its events. */
export function mermaidDiagram<S extends string, E extends string>(lifecycle: Lifecycle<S, E>): string {
  const arrows = new Map<string, Set<string>>();
  for (const t of lifecycle.transitions) {
    for (const from of t.from) {
      const key = `${from} --> ${t.to}`;
      arrows.set(key, (arrows.get(key) ?? new Set()).add(t.event));
    }
  }
  const lines = ['stateDiagram-v2', `  [*] --> ${lifecycle.initial}`];
  for (const [arrow, events] of arrows) lines.push(`  ${arrow}: ${[...events].join(', ')}`);
  for (const state of lifecycle.final) lines.push(`  ${state} --> [*]`);
  return lines.join('\n');
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

function transitionTable<S extends string, E extends string>(lifecycle: Lifecycle<S, E>): string {
  const rows = lifecycle.transitions.map((t) => `| ${t.from.join(', ')} | ${t.event} | ${t.to} | ${t.at.map((a) => `\`${a}\``).join(' ')} | ${cell(t.effects)} |`);
  return ['| from | event | to | where | effects |', '|---|---|---|---|---|', ...rows].join('\n');
}

function stateTable<S extends string, E extends string>(lifecycle: Lifecycle<S, E>, stored?: Record<S, string>): string {
  const states = Object.entries(lifecycle.states) as [S, string][];
  if (!stored) return ['| state | meaning |', '|---|---|', ...states.map(([s, m]) => `| ${s} | ${cell(m)} |`)].join('\n');
  return ['| phase | stored as | meaning |', '|---|---|---|', ...states.map(([s, m]) => `| ${s} | ${stored[s]} | ${cell(m)} |`)].join('\n');
}

const EVENT_FLOW = `## How an event flows

1. **PBX events** arrive through the port (\`src/pbx/port.ts\`); the engine subscribes once, with
   the event router (\`src/acd/eventRouter.ts\`). It classifies each event once, by tables (Stasis
   role, channel id prefix, playback id prefix, event type), into a kind (caller leg, agent leg,
   callback leg, consult leg, supervisor leg, other control leg, announcement, park announcement,
   recording, device state, connection, unknown) and hands it to the one handler the engine gave
   for that kind. The queue flow's handlers (\`src/acd/dispatcher.ts\`) find the call and run the
   step under that call's lock (\`src/acd/keyedLock.ts\`), so everything that happens to one call is
   serialised.
2. **A step** (\`callerEntry\`, \`agentLeg\`, \`bridging\`, \`callEnd\`, \`control/*\`) asks the store for
   the transition: one Lua script (\`src/store/lua/\`) checks the state it expects (version,
   channel or round fences), moves call and agent together, keeps the indexes and counters, and
   appends the events (AgentStatus, QueueCallerJoin, AgentConnect, ...) to the tenant's stream.
   A refused transition changes nothing.
3. **Media** follows the store: the step bridges, plays or hangs up through the port.
4. **Routing** is asked again by a kick (\`src/acd/router.ts\`) whenever a transition can make a
   caller routable or an agent available: a caller queued, an agent ready (also after wrap-up
   or a back-off), a membership added or unpaused (\`src/acd/adminCommands.ts\`), a call back in its
   queue. Kicks coalesce per queue / agent; a kick that arrives while a drain ends starts a new one.
5. **Timers** (\`src/acd/timers.ts\`, BullMQ delayed jobs) carry the fence of the state they were
   set in (agent version, caller joinSeq, offer round, park start): a late, repeated or retried
   timer does nothing. Failing handlers are retried with back-off; at start the engine re-runs
   jobs that used up their attempts and gives every agent in wrap-up its timer back, ending the
   wrap-ups that have none (\`src/acd/timerSweep.ts\`).
6. **Reconcile** (\`src/acd/reconcile.ts\`) runs after every (re)connect: calls whose channels are
   gone end as \`lost\`, live ones are replayed, every queue is kicked.
7. **Features** (manual answer, callback, queue recording, call control, device state) plug into
   the core steps through named hooks the engine registers at start (\`src/acd/hooks.ts\`:
   legInStasis, legAnswered, callConnected, callbackTimer, legEvent, connected); the steps never
   import them, and
   \`test/acd/importCycles.test.ts\` keeps \`src/\` free of runtime import cycles.
8. **Tests and shutdown** wait with \`Engine.settled()\`: until no event, step, routing drain,
   device-state update, timer handler or reconcile is in flight.

## Costs

Per-queue member counters (\`acd:{t}:queue:<id>:counts\`, one field per status) are kept by the
status and membership scripts, so a join's estimated wait reads them instead of walking the
members. \`npm run bench -- enqueue\` (1,000 joins into one queue whose members are all ready,
Redis-side script time, best of 2; shared 2-core machine, figures vary by about ±20%):

| ready members | before | after |
|---|---|---|
| 10 | 44 µs | 39-45 µs |
| 1,000 | 2,636 µs | 30-37 µs |
| 5,000 | 41,553 µs | 31-32 µs |
`;

export function renderLifecycleDoc(): string {
  return `<!-- Generated from src/domain/lifecycle.ts by \`npm run diagrams\`: edit the tables there, not this file. -->
# Call and agent lifecycles

Every state a queue call and an agent can be in, what moves them and where that happens in the
code. The tables in \`src/domain/lifecycle.ts\` are the source: the agent commands take the
statuses they are accepted in from them, and \`test/domain/lifecycle.test.ts\` walks them (every
state reachable and left again, every script and module named exists, every agent command
accepted exactly where the table says, against the real store).

## Agent

\`\`\`mermaid
${mermaidDiagram(AGENT_LIFECYCLE)}
\`\`\`

${stateTable(AGENT_LIFECYCLE)}

${transitionTable(AGENT_LIFECYCLE)}

## Queue call

The store keeps three call states (waiting, offering, connected); the phases below refine them
with the records beside the call (callback fields, manual-answer state, control calls \`pk-\`,
\`rd-\`, \`cs-\` and consult calls \`acd-csq-\` waiting in a queue).

\`\`\`mermaid
${mermaidDiagram(CALL_LIFECYCLE)}
\`\`\`

${stateTable(CALL_LIFECYCLE, CALL_PHASE_STORED)}

${transitionTable(CALL_LIFECYCLE)}

${EVENT_FLOW}`;
}
