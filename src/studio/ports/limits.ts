// Fair use, enforced in SQL for every instance: starts, query budgets and open subscriptions.

export interface FairUse {
  /** generations QUEUED or RUNNING per user, starts per minute (null: no limit); a reservation past
   *  them is answered 'rate-limited' */
  setGenerationLimits(limits: { maxActive: number | null; perMinute: number | null }): Promise<void>;
  /** adds `cost` to the subject's one-minute query budget; 0 when within `limit`, else seconds to wait */
  spendQueryBudget(subject: string, cost: number, limit: number): Promise<number>;
}

/** A user's open subscriptions, counted across instances. */
export interface SubscriptionLeases {
  /** a place among the user's at most `max` open subscriptions, for `ttlSeconds`; false when full */
  acquireSubscriptionLease(leaseId: string, userId: string, max: number, ttlSeconds: number): Promise<boolean>;
  releaseSubscriptionLease(leaseId: string): Promise<void>;
}
