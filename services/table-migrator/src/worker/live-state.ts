import type { ControlPlane } from '@cutover/control-plane';
import type { Subscription } from '@cutover/event-log';
import { initialState, type MigrationState } from '@cutover/migration-state';

/** The migration's state as the control log has decided it so far, followed live. */
export class LiveState {
  state: MigrationState = initialState;
  private subscription?: Subscription;

  static async follow(control: ControlPlane, subscriber: string): Promise<LiveState> {
    const live = new LiveState();
    live.subscription = await control.follow(subscriber, (state) => {
      live.state = state;
    });
    return live;
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
  }
}
