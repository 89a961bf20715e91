import { describe, expect, it } from "vitest";
import { fixture } from "./_fixtures.ts";
import { isStateError, readState } from "./state.ts";
import type { StateErrorCode } from "./state.ts";

function refusal(text: string, source = "input.tfstate"): { code: StateErrorCode; message: string } | undefined {
  try {
    readState(text, source);
    return undefined;
  } catch (err) {
    if (!isStateError(err)) throw err;
    return { code: err.code, message: err.message };
  }
}

describe("readState refuses what is not a supported state", () => {
  const cases: Record<string, { reason: string; text: () => string; want: { code: StateErrorCode; mentions: RegExp } }> = {
    "version 3 (Terraform 0.11)": { reason: "flatmap modules format", text: () => fixture("inframap-v3-legacy.tfstate.json"), want: { code: "UnsupportedVersion", mentions: /version 3 is not supported, only version 4/ } },
    "version 3 (terraformer)": { reason: "terraformer writes v3", text: () => fixture("terraformer-v3-aws_db_instance.tfstate"), want: { code: "UnsupportedVersion", mentions: /terraformer/ } },
    "a plan file": { reason: "planned_values, not what exists", text: () => fixture("terraform-validator-global_forwarding_rule.tfplan.json"), want: { code: "PlanFile", mentions: /this is a plan/ } },
    "truncated JSON": { reason: "a cut-off download", text: () => fixture("anzam-rds.tfstate").slice(0, 2000), want: { code: "NotJson", mentions: /not valid JSON .*truncated/ } },
    "empty input": { reason: "an empty pipe", text: () => "  \n", want: { code: "NotJson", mentions: /empty input/ } },
    "not a state": { reason: "some other JSON document", text: () => JSON.stringify({ apiVersion: "v1", kind: "ConfigMap" }), want: { code: "NotAState", mentions: /not a Terraform state/ } },
    "a JSON list": { reason: "not an object", text: () => "[1,2]", want: { code: "NotAState", mentions: /a list/ } },
    "version 5": { reason: "a future format", text: () => JSON.stringify({ version: 5, resources: [] }), want: { code: "UnsupportedVersion", mentions: /version 5/ } },
    "v4 with a broken resource": { reason: "instances not a list", text: () => JSON.stringify({ version: 4, resources: [{ mode: "managed", type: "aws_lb", name: "x", instances: 3 }] }), want: { code: "Malformed", mentions: /resources\[0\]\.instances/ } },
  };
  it.each(Object.entries(cases))("%s", (_name, c) => {
    const got = refusal(c.text());
    expect(got?.code, c.reason).toBe(c.want.code);
    expect(got?.message).toMatch(/^input\.tfstate: /);
    expect(got?.message).toMatch(c.want.mentions);
  });
});

describe("readState", () => {
  it("keeps integers above 2^53 exactly", () => {
    const state = readState(fixture("otus-alex-k812-gcp-http-lb.tfstate"), "otus");
    const urlMap = state.instances.find((i) => i.type === "google_compute_url_map");
    expect(urlMap?.attributes.map_id).toBe(5164200006677138397n);
    expect(state.instances.find((i) => i.type === "google_compute_target_http_proxy")?.attributes.proxy_id).toBe(2658869080962862041n);
  });

  it("builds addresses with modules, count and for_each keys", () => {
    const addresses = readState(fixture("tfstate-lookup-data-sources-modules.tfstate"), "lookup").instances.map((i) => i.address);
    expect(addresses).toEqual(
      expect.arrayContaining([
        'module.logs.aws_cloudwatch_log_group.main["app"]',
        "module.webapp.module.ecs_task_roles.aws_iam_role.task_execution_role",
        "module.subnets.aws_subnet.main[1]",
        'aws_iam_user.users["foo.bar"]',
        'data.aws_lb_target_group.app["dev2"]',
        "data.terraform_remote_state.remote",
      ]),
    );
    // A resource with zero instances contributes none.
    expect(addresses.some((a) => a.includes("aws_vpc.example"))).toBe(false);
  });

  it("reads `terraform show -json` as the same instances as the state it shows", () => {
    const state = readState(fixture("terraform-json-110_sensitive_values.tfstate"), "state");
    const show = readState(fixture("terraform-json-110_sensitive_values.show.json"), "show");
    expect(show.format).toBe("show-json");
    expect(show.instances.map((i) => i.address).sort()).toEqual(state.instances.map((i) => i.address).sort());
  });

  it("records sensitive attribute paths", () => {
    const db = readState(fixture("anzam-rds.tfstate"), "rds").instances.find((i) => i.type === "aws_db_instance");
    expect(db?.sensitivePaths).toEqual([["password"], ["password_wo"]]);
  });
});
