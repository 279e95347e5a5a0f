/**
 * In-call commands of the agent: hold / retrieve (the caller hears music and the agent no longer
 * hears the caller; both stay in their bridge so a reconnect's repair has nothing to undo), mute /
 * unmute (the agent's voice stops reaching the bridge), DTMF to the caller, and release.
 */
import { AcdError } from '../../domain/errors.js';
import { isPbxError } from '../../pbx/port.js';
import type { AcdContext } from '../context.js';
import { controlEvent, invalidState, withAgentCall, type CallTarget } from './calls.js';

const DTMF = /^[0-9*#A-Dw]{1,32}$/;
export function checkDtmf(digits: string): void {
  if (!DTMF.test(digits)) throw new AcdError('validation', `dtmf '${digits}' must be 1-32 of 0-9 * # A-D w`, { field: 'dtmf' });
}

export interface MediaCommands {
  hold(t: CallTarget): Promise<void>;
  retrieve(t: CallTarget): Promise<void>;
  mute(t: CallTarget): Promise<void>;
  unmute(t: CallTarget): Promise<void>;
  sendDtmf(t: CallTarget, digits: string): Promise<void>;
  /** Hangs up the agent's leg: ends a connected call (wrap-up follows) or refuses an offered one. */
  release(t: CallTarget): Promise<void>;
}

/** The caller hears music and the agent side no longer hears the caller (both stay in their bridge). */
export async function holdCaller(ctx: AcdContext, callerChannel: string): Promise<void> {
  await ctx.pbx.mute(callerChannel, 'in');
  await ctx.pbx.startMoh(callerChannel);
}

export async function retrieveCaller(ctx: AcdContext, callerChannel: string): Promise<void> {
  await ctx.pbx.stopMoh(callerChannel);
  await ctx.pbx.unmute(callerChannel, 'in');
}

export function createMediaCommands(ctx: AcdContext): MediaCommands {
  const toggle = (action: 'hold' | 'retrieve' | 'mute' | 'unmute', field: string, on: boolean, apply: (callerChannel: string, agentChannel: string) => Promise<void>) => (t: CallTarget) =>
    withAgentCall(ctx, t, ['connected'], action, async (call, control) => {
      if ((control[field] === '1') === on) throw invalidState(`${action}: the call is ${on ? 'already' : 'not'} ${field}`);
      // The caller waits on hold for the whole consult: cancel or complete it instead.
      if (field === 'held' && control.consult) throw invalidState(`${action}: a consult is running`);
      await apply(call.callerChannel, call.agentChannel);
      await ctx.store.updateControl(call.id, call.agentChannel, { [field]: on ? '1' : '' }, controlEvent(call, { action }, t.by));
      ctx.logger.info({ callId: call.id, agentId: t.agentId, by: t.by }, action);
    });

  return {
    hold: toggle('hold', 'held', true, (caller) => holdCaller(ctx, caller)),
    retrieve: toggle('retrieve', 'held', false, (caller) => retrieveCaller(ctx, caller)),
    mute: toggle('mute', 'muted', true, (_caller, agent) => ctx.pbx.mute(agent, 'in')),
    unmute: toggle('unmute', 'muted', false, (_caller, agent) => ctx.pbx.unmute(agent, 'in')),
    async sendDtmf(t, digits) {
      checkDtmf(digits);
      await withAgentCall(ctx, t, ['connected'], 'dtmf', async (call) => {
        await ctx.pbx.sendDtmf(call.callerChannel, digits);
        await ctx.store.updateControl(call.id, call.agentChannel, {}, controlEvent(call, { action: 'dtmf', digits, direction: 'sent' }, t.by));
      });
    },
    release: (t) =>
      withAgentCall(ctx, t, ['offering', 'connected'], 'release', async (call) => {
        ctx.logger.info({ callId: call.id, agentId: t.agentId, by: t.by }, 'agent leg released');
        try {
          // Its StasisEnd ends the call (connected) or fails the offer (offering) through the queue flow.
          await ctx.pbx.hangup(call.agentChannel);
        } catch (err) {
          if (!isPbxError(err, 'not_found')) throw err;
        }
      }),
  };
}

/** A connected caller pressed a key: the agent's desktop hears of it (CallControl dtmf, direction received). */
export async function forwardCallerDtmf(ctx: AcdContext, channelId: string, digit: string): Promise<void> {
  const callId = await ctx.store.callIdByChannel(channelId);
  const call = callId ? await ctx.store.getCall(callId) : undefined;
  if (!call || call.state !== 'connected' || call.callerChannel !== channelId) return;
  await ctx.store.updateControl(call.id, call.agentChannel, {}, controlEvent(call, { action: 'dtmf', digits: digit, direction: 'received' }, 'caller'));
}
