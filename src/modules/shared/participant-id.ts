import { PasserelleError } from './passerelle-error.js';

/** A participant id as the input model writes them: in the paths of the subjects' routes. */
export const PARTICIPANT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A participant id in a path (400 otherwise, the value not quoted). */
export function checkParticipantId(participantId: string): void {
  if (!PARTICIPANT_ID.test(participantId)) {
    throw new PasserelleError('BAD_REQUEST', 'invalid participant id', [
      { path: 'participantId', rule: 'must match [A-Za-z0-9._-]{1,64}' },
    ]);
  }
}
