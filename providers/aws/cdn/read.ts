import { GetDistributionCommand } from "@aws-sdk/client-cloudfront";
import type { CloudFrontClient, Distribution, DistributionConfig } from "@aws-sdk/client-cloudfront";
import { ProviderError, errorClassOf } from "../../../core/errors.ts";
import { cloudFrontCall } from "./errors.ts";

// One distribution read by itself (GetDistribution): the whole config and the ETag an update or a
// delete must send back. Shared by the client and the batch-observe listing's Get.

export interface Read {
  readonly distribution: Distribution & { Id: string; ARN: string; DistributionConfig: DistributionConfig };
  /** The version just read, for IfMatch: never cached between reconciles. */
  readonly etag: string;
}

/** GetDistribution, or undefined when it does not exist. */
export async function getDistribution(client: CloudFrontClient, id: string, opts: { readonly abortSignal: AbortSignal }): Promise<Read | undefined> {
  try {
    const out = await cloudFrontCall("cloudfront:GetDistribution", () => client.send(new GetDistributionCommand({ Id: id }), opts));
    const d = out.Distribution;
    if (!d?.Id || !d.ARN || !d.DistributionConfig) throw new ProviderError("Unknown", `cloudfront:GetDistribution returned no distribution for ${id}`);
    return { distribution: { ...d, Id: d.Id, ARN: d.ARN, DistributionConfig: d.DistributionConfig }, etag: out.ETag ?? "" };
  } catch (err) {
    if (errorClassOf(err) === "NotFound") return undefined;
    throw err;
  }
}
