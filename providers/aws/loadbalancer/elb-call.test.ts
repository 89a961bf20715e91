import { describe, expect, it } from "vitest";
import { errorClassOf, isTerminal } from "../../../core/errors.ts";
import { elbCall } from "./elb-call.ts";

// Errors are classified by the SDK's error name and HTTP status, as the SDK raises them (an Error
// whose name is the service's code, with $metadata), never by message text.

function sdkError(name: string, status: number, message = "the cloud said no"): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

describe("elbCall", () => {
  const cases: Record<string, { err: Error; want: string; terminal: boolean }> = {
    notFound: { err: sdkError("LoadBalancerNotFoundException", 400), want: "NotFound", terminal: false },
    validation: { err: sdkError("ValidationError", 400), want: "InvalidParameter", terminal: true },
    certificate: { err: sdkError("CertificateNotFoundException", 400), want: "InvalidParameter", terminal: true },
    securityGroup: { err: sdkError("InvalidSecurityGroupException", 400), want: "InvalidParameter", terminal: true },
    motoSubnet: { err: sdkError("InvalidSubnetID.NotFound", 400), want: "InvalidParameter", terminal: true },
    inUse: { err: sdkError("ResourceInUseException", 400), want: "Conflict", terminal: false },
    throttled: { err: sdkError("Throttling", 400, "Rate exceeded"), want: "Throttled", terminal: false },
    denied: { err: sdkError("AccessDenied", 403), want: "AccessDenied", terminal: true },
    server: { err: sdkError("InternalFailure", 500), want: "Transient", terminal: false },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(`${name}: ${c.err.name} is ${c.want}`, async () => {
      const err = await elbCall("CreateListener", () => Promise.reject(c.err)).catch((e: unknown) => e);
      expect(errorClassOf(err)).toBe(c.want);
      expect(isTerminal(err)).toBe(c.terminal);
    });
  }

  it("names the IAM action in an access-denied message", async () => {
    const err = await elbCall("CreateLoadBalancer", () => Promise.reject(sdkError("AccessDenied", 403, "User is not authorized"))).catch((e: unknown) => e);
    expect(String(err)).toContain("access denied for elasticloadbalancing:CreateLoadBalancer: User is not authorized");
  });

  it("keeps the cloud's code and message for the ones it reclassifies", async () => {
    const err = await elbCall("CreateListener", () => Promise.reject(sdkError("CertificateNotFoundException", 400, "Supplied certificate was not found"))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "CertificateNotFoundException", message: "elasticloadbalancing:CreateListener: Supplied certificate was not found" });
  });
});
