import type { SignIn } from './signIn';

/** Latest sign-in per user (by user id), the source of users' signInActivity. */
export class LatestSignIns {
  private readonly byUser = new Map<string, SignIn>();

  note(signIn: SignIn): void {
    const previous = this.byUser.get(signIn.userId);
    if (!previous || previous.createdDateTime < signIn.createdDateTime) this.byUser.set(signIn.userId, signIn);
  }

  of(userId: string): SignIn | undefined {
    return this.byUser.get(userId.toLowerCase());
  }
}
