import type { ElbApi } from "./api.ts";
import type { TargetGroupNaming } from "./part-names.ts";
import type { LoadBalancerParameters } from "./schema.ts";

/** What every write needs: the API, the desired state, the load balancer's name and this resource's ownership tags. */
export interface ConvergeContext {
  readonly api: ElbApi;
  readonly desired: LoadBalancerParameters;
  readonly lbName: string;
  /** The AWS name of each target group: the user's (terraplane.dev/external-names) or the derived one. */
  readonly naming: TargetGroupNaming;
  /** ownerTags(mr): on every resource Terraplane creates. */
  readonly ownerTags: Readonly<Record<string, string>>;
  /** The managed resource's uid, as in the terraplane.dev/uid ownership tag. */
  readonly uid: string;
}
