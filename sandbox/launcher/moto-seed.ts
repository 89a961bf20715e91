/**
 * moto's identifiers come from one random generator that `/moto-api/seed` seeds. Seeding a fresh
 * moto and then creating us-east-1's default VPC at once (its first EC2 request) gives that VPC and
 * its subnets the same IDs on every sandbox, so examples/aws/loadbalancer.yaml can name two of them
 * (SANDBOX_SUBNETS) and be applied as it is. Only a fresh moto is seeded: re-seeding a used one would
 * replay identifiers it has already handed out.
 */
export const MOTO_SEED = 20_251;

/** The default-for-az subnets of us-east-1a and us-east-1b in a moto seeded with MOTO_SEED (moto 5.2.5). */
export const SANDBOX_SUBNETS = { "us-east-1a": "subnet-39670f183bdd3633b", "us-east-1b": "subnet-927c4a024f87aedc4" } as const;

/** Seeds a moto that has just started and creates us-east-1's default VPC, before anything else uses it. */
export async function seedMoto(url: string): Promise<void> {
  const seeded = await fetch(`${url}/moto-api/seed?a=${MOTO_SEED}`, { method: "POST" });
  await seeded.body?.cancel();
  if (!seeded.ok) throw new Error(`moto: seeding its identifiers failed (HTTP ${seeded.status})`);
  // Any EC2 call creates the region's default VPC; the credential scope names the region.
  const describe = await fetch(`${url}/?Action=DescribeVpcs&Version=2016-11-15`, {
    headers: { authorization: "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0" },
  });
  await describe.body?.cancel();
  if (!describe.ok) throw new Error(`moto: creating the default VPC failed (HTTP ${describe.status})`);
}
