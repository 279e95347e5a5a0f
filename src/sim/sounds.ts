/**
 * Which media a playback can find. `sound:` names outside this list fail like a missing file
 * does on a real Asterisk (PlaybackFinished with state `failed`); `number:`, `digits:`,
 * `characters:` and `tone:` are generated and always exist; `recording:` needs a stored recording.
 */
const CORE_SOUNDS = [
  'queue-thereare', 'queue-callswaiting', 'queue-holdtime', 'queue-minutes', 'queue-minute', 'queue-seconds',
  'queue-thankyou', 'queue-youarenext', 'queue-periodic-announce', 'queue-less-than', 'queue-reporthold',
  'queue-quantity1', 'queue-quantity2', 'queue-callerannounce', 'beep', 'hello-world', 'pls-hold-while-try',
  'agent-newlocation', 'agent-loginok', 'agent-loggedoff', 'agent-pass', 'agent-user', 'agent-alreadyon',
  'vm-goodbye', 'please-try-again', 'demo-congrats', 'conf-onlyperson', 'tt-monkeys', 'tt-weasels',
  'auth-thankyou', 'goodbye', 'hold', 'silence/1', 'silence/2', 'silence/3', 'silence/5', 'silence/10',
];
const SOUND_FOLDERS = ['digits/', 'letters/', 'phonetic/'];
const GENERATED_SCHEMES = ['number', 'digits', 'characters', 'tone'];

export class SoundLibrary {
  private readonly sounds: Set<string>;

  constructor(extra: readonly string[] = []) {
    this.sounds = new Set([...CORE_SOUNDS, ...extra]);
  }

  /** Whether a media URI can be played; `hasRecording` answers for `recording:` URIs. */
  exists(mediaUri: string, hasRecording: (name: string) => boolean): boolean {
    const colon = mediaUri.indexOf(':');
    if (colon <= 0) return false;
    const scheme = mediaUri.slice(0, colon);
    const resource = mediaUri.slice(colon + 1);
    if (!resource) return false;
    if (GENERATED_SCHEMES.includes(scheme)) return true;
    if (scheme === 'recording') return hasRecording(resource);
    if (scheme !== 'sound') return false;
    return this.sounds.has(resource) || SOUND_FOLDERS.some((folder) => resource.startsWith(folder) && resource.length > folder.length);
  }
}
