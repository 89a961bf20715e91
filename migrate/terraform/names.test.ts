import { describe, expect, it } from "vitest";
import { baseNameOf, keyName, MAX_NAME, uniqueNames } from "./names.ts";

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe("baseNameOf", () => {
  const cases: Record<string, { module: string; name: string; indexKey: string | number | undefined; want: string }> = {
    "root resource": { module: "", name: "main", indexKey: undefined, want: "main" },
    "underscores and case": { module: "", name: "My_DB", indexKey: undefined, want: "my-db" },
    "count index": { module: "", name: "web", indexKey: 0, want: "web-0" },
    "for_each key with dots": { module: "", name: "users", indexKey: "foo.bar", want: "users-foo-bar" },
    "nested modules": { module: "module.webapp.module.ecs_task_roles", name: "role", indexKey: undefined, want: "webapp-ecs-task-roles-role" },
    "module with for_each key": { module: 'module.db["eu"]', name: "this", indexKey: undefined, want: "db-eu-this" },
  };
  it.each(Object.entries(cases))("%s", (_n, c) => {
    const got = baseNameOf(c);
    expect(got).toBe(c.want);
    expect(got).toMatch(DNS1123);
  });

  it("cuts long names to 63 characters with a hash that keeps them apart", () => {
    const long = "x".repeat(100);
    const a = baseNameOf({ module: "", name: `${long}_a`, indexKey: undefined });
    const b = baseNameOf({ module: "", name: `${long}_b`, indexKey: undefined });
    expect(a.length).toBeLessThanOrEqual(MAX_NAME);
    expect(a).toMatch(DNS1123);
    expect(a).not.toBe(b);
  });

  it("names a key of only symbols", () => {
    expect(baseNameOf({ module: "", name: "__", indexKey: "!!" })).toMatch(/^tf-[0-9a-f]{8}$/);
  });
});

describe("uniqueNames", () => {
  it("appends an address hash only where cleaning made names collide, the same on every run", () => {
    const entries = [
      { address: "aws_db_instance.a_b", parts: { module: "", name: "a_b", indexKey: undefined } },
      { address: "aws_db_instance.a-b", parts: { module: "", name: "a-b", indexKey: undefined } },
      { address: "aws_db_instance.other", parts: { module: "", name: "other", indexKey: undefined } },
    ];
    const first = uniqueNames(entries);
    expect(first.get("aws_db_instance.other")).toBe("other");
    expect(first.get("aws_db_instance.a_b")).toMatch(/^a-b-[0-9a-f]{8}$/);
    expect(first.get("aws_db_instance.a_b")).not.toBe(first.get("aws_db_instance.a-b"));
    expect(uniqueNames([...entries].reverse())).toEqual(first);
  });
});

describe("keyName", () => {
  it("starts with a letter and fits the limit", () => {
    expect(keyName("9lives-backend-service-long", 20)).toMatch(/^[a-z][-a-z0-9]{0,19}$/);
    expect(keyName("Web_ALB_TG", 32)).toBe("web-alb-tg");
  });
});
