import { describe, expect, it } from "vitest";
import { CreateDBInstanceCommand, DBInstanceNotFoundFault, DeleteDBInstanceCommand, DescribeDBInstancesCommand, RDSClient } from "@aws-sdk/client-rds";
import {
  CreateLoadBalancerCommand,
  DeleteLoadBalancerCommand,
  DescribeLoadBalancersCommand,
  ElasticLoadBalancingV2Client,
  LoadBalancerNotFoundException,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { awsClientConfig } from "./harness/aws.ts";
import { uniqueName } from "./harness/names.ts";

// moto, driven by the official AWS SDK v3 clients with only an endpoint override (through the
// sandbox's fault proxy, which injects nothing unless told to).
const region = "eu-west-1";

describe("AWS emulator (moto) with the official SDK", () => {
  it("creates, reads and deletes an RDS DB instance", async () => {
    const rds = new RDSClient(awsClientConfig({ region }));
    const id = uniqueName("db");
    const created = await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        Engine: "postgres",
        DBInstanceClass: "db.t3.micro",
        AllocatedStorage: 20,
        MasterUsername: "admin_user",
        MasterUserPassword: "not-a-real-secret-1",
        Tags: [{ Key: "terraplane.dev/test", Value: "true" }],
      }),
    );
    expect(created.DBInstance?.DBInstanceIdentifier).toBe(id);

    const described = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    expect(described.DBInstances?.[0]).toMatchObject({ Engine: "postgres", DBInstanceClass: "db.t3.micro", AllocatedStorage: 20 });

    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: id, SkipFinalSnapshot: true }));
    const gone = rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    await expect(gone).rejects.toBeInstanceOf(DBInstanceNotFoundFault);
  });

  it("creates, reads and deletes an ELBv2 application load balancer", async () => {
    const ec2 = new EC2Client(awsClientConfig({ region }));
    const elb = new ElasticLoadBalancingV2Client(awsClientConfig({ region }));
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }));
    const vpcId = vpcs.Vpcs?.[0]?.VpcId;
    expect(vpcId).toBeDefined();
    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId ?? ""] }] }));
    const subnetIds = (subnets.Subnets ?? []).slice(0, 2).map((s) => s.SubnetId ?? "");
    expect(subnetIds).toHaveLength(2);

    const name = uniqueName("lb");
    const created = await elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: subnetIds, Scheme: "internet-facing", Type: "application" }));
    const arn = created.LoadBalancers?.[0]?.LoadBalancerArn;
    expect(arn).toMatch(/^arn:aws:elasticloadbalancing:eu-west-1:/);

    const described = await elb.send(new DescribeLoadBalancersCommand({ Names: [name] }));
    expect(described.LoadBalancers?.[0]).toMatchObject({ LoadBalancerName: name, Scheme: "internet-facing", Type: "application" });

    await elb.send(new DeleteLoadBalancerCommand({ LoadBalancerArn: arn }));
    const gone = elb.send(new DescribeLoadBalancersCommand({ Names: [name] }));
    await expect(gone).rejects.toBeInstanceOf(LoadBalancerNotFoundException);
  });
});
