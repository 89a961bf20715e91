import { DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeTargetGroupsCommand,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import type { ElasticLoadBalancingV2Client, Listener, LoadBalancer, TargetGroup } from "@aws-sdk/client-elastic-load-balancing-v2";
import { awsClientConfig } from "./aws.ts";

// An application load balancer made the way terraform-provider-aws v5 makes one (the official SDK
// straight at moto), under names Terraplane would never derive: the load balancer, one target group
// of IP targets named by the user, a listener forwarding to it and one attachment; and the state
// attributes Terraform records for each (compare migrate/terraform/testdata/aws-provider-v6.tfstate).

export interface AwsLbMade {
  readonly lb: LoadBalancer;
  readonly targetGroup: TargetGroup;
  readonly listener: Listener;
  readonly target: { readonly id: string; readonly port: number };
}

/** The default VPC of `region` in moto, and one subnet per zone. */
export async function defaultNetwork(region: string): Promise<{ vpcId: string; subnets: string[] }> {
  const ec2 = new EC2Client(awsClientConfig({ region, direct: true }));
  try {
    const vpcs = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }));
    const vpcId = vpcs.Vpcs?.[0]?.VpcId ?? "";
    const subnets = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }));
    const byZone = new Map((subnets.Subnets ?? []).map((s) => [s.AvailabilityZone ?? "", s.SubnetId ?? ""]));
    return { vpcId, subnets: [...byZone.values()].sort().slice(0, 2) };
  } finally {
    ec2.destroy();
  }
}

export async function createAwsLoadBalancer(elb: ElasticLoadBalancingV2Client, names: { lb: string; targetGroup: string }, net: { vpcId: string; subnets: readonly string[] }): Promise<AwsLbMade> {
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: names.lb, Type: "application", Scheme: "internet-facing", Subnets: [...net.subnets], IpAddressType: "ipv4" }))).LoadBalancers?.[0];
  const created = (
    await elb.send(
      new CreateTargetGroupCommand({
        Name: names.targetGroup,
        Protocol: "HTTP",
        Port: 8080,
        VpcId: net.vpcId,
        TargetType: "ip",
        HealthCheckProtocol: "HTTP",
        HealthCheckPath: "/healthz",
        HealthCheckPort: "traffic-port",
        HealthCheckIntervalSeconds: 15,
        HealthCheckTimeoutSeconds: 5,
        HealthyThresholdCount: 3,
        UnhealthyThresholdCount: 3,
        Matcher: { HttpCode: "200-299" },
      }),
    )
  ).TargetGroups?.[0];
  if (!lb?.LoadBalancerArn || !created?.TargetGroupArn) throw new Error("moto made no load balancer or target group");
  const target = { id: "172.31.0.10", port: 8080 };
  await elb.send(new RegisterTargetsCommand({ TargetGroupArn: created.TargetGroupArn, Targets: [{ Id: target.id, Port: target.port }] }));
  const listener = (await elb.send(new CreateListenerCommand({ LoadBalancerArn: lb.LoadBalancerArn, Port: 80, Protocol: "HTTP", DefaultActions: [{ Type: "forward", TargetGroupArn: created.TargetGroupArn }] })))
    .Listeners?.[0];
  if (!listener) throw new Error("moto made no listener");
  const targetGroup = (await elb.send(new DescribeTargetGroupsCommand({ TargetGroupArns: [created.TargetGroupArn] }))).TargetGroups?.[0] ?? created;
  return { lb, targetGroup, listener, target };
}

export function awsLbAttributes(lb: LoadBalancer, region: string): Record<string, unknown> {
  const subnets = (lb.AvailabilityZones ?? []).map((z) => z.SubnetId ?? "");
  return {
    access_logs: [{ bucket: "", enabled: false, prefix: "" }],
    arn: lb.LoadBalancerArn,
    arn_suffix: (lb.LoadBalancerArn ?? "").split(":loadbalancer/")[1] ?? "",
    client_keep_alive: 3600,
    connection_logs: [{ bucket: "", enabled: false, prefix: "" }],
    customer_owned_ipv4_pool: "",
    desync_mitigation_mode: "defensive",
    dns_name: lb.DNSName,
    drop_invalid_header_fields: false,
    enable_cross_zone_load_balancing: true,
    enable_deletion_protection: false,
    enable_http2: true,
    enable_tls_version_and_cipher_suite_headers: false,
    enable_waf_fail_open: false,
    enable_xff_client_port: false,
    enable_zonal_shift: false,
    id: lb.LoadBalancerArn,
    idle_timeout: 60,
    internal: false,
    ip_address_type: "ipv4",
    ipam_pools: [],
    load_balancer_type: "application",
    name: lb.LoadBalancerName,
    name_prefix: "",
    preserve_host_header: false,
    region,
    security_groups: lb.SecurityGroups ?? [],
    subnet_mapping: subnets.map((subnet_id) => ({ allocation_id: "", ipv6_address: "", outpost_id: "", private_ipv4_address: "", subnet_id })),
    subnets,
    tags: {},
    tags_all: {},
    timeouts: null,
    vpc_id: lb.VpcId,
    xff_header_processing_mode: "append",
    zone_id: lb.CanonicalHostedZoneId,
  };
}

export function awsTargetGroupAttributes(tg: TargetGroup, lbArn: string, region: string): Record<string, unknown> {
  return {
    arn: tg.TargetGroupArn,
    arn_suffix: (tg.TargetGroupArn ?? "").split(":")[5] ?? "",
    connection_termination: null,
    deregistration_delay: "300",
    health_check: [
      {
        enabled: true,
        healthy_threshold: tg.HealthyThresholdCount,
        interval: tg.HealthCheckIntervalSeconds,
        matcher: tg.Matcher?.HttpCode,
        path: tg.HealthCheckPath,
        port: tg.HealthCheckPort,
        protocol: tg.HealthCheckProtocol,
        timeout: tg.HealthCheckTimeoutSeconds,
        unhealthy_threshold: tg.UnhealthyThresholdCount,
      },
    ],
    id: tg.TargetGroupArn,
    ip_address_type: "ipv4",
    lambda_multi_value_headers_enabled: false,
    load_balancer_arns: [lbArn],
    load_balancing_algorithm_type: "round_robin",
    load_balancing_anomaly_mitigation: "off",
    load_balancing_cross_zone_enabled: "use_load_balancer_configuration",
    name: tg.TargetGroupName,
    name_prefix: "",
    port: tg.Port,
    preserve_client_ip: null,
    protocol: tg.Protocol,
    protocol_version: "HTTP1",
    proxy_protocol_v2: false,
    region,
    slow_start: 0,
    stickiness: [{ cookie_duration: 86400, cookie_name: "", enabled: false, type: "lb_cookie" }],
    tags: {},
    tags_all: {},
    target_failover: [{ on_deregistration: null, on_unhealthy: null }],
    target_type: tg.TargetType,
    vpc_id: tg.VpcId,
  };
}

export function awsListenerAttributes(listener: Listener, tgArn: string, region: string): Record<string, unknown> {
  return {
    alpn_policy: null,
    arn: listener.ListenerArn,
    certificate_arn: null,
    default_action: [
      {
        authenticate_cognito: [],
        authenticate_oidc: [],
        fixed_response: [],
        forward: [],
        order: 1,
        redirect: [],
        target_group_arn: tgArn,
        type: "forward",
      },
    ],
    id: listener.ListenerArn,
    load_balancer_arn: listener.LoadBalancerArn,
    mutual_authentication: [],
    port: listener.Port,
    protocol: listener.Protocol,
    region,
    ssl_policy: "",
    tags: {},
    tags_all: {},
    tcp_idle_timeout_seconds: null,
    timeouts: null,
  };
}

export function awsAttachmentAttributes(tgArn: string, target: { id: string; port: number }, region: string): Record<string, unknown> {
  return { availability_zone: null, id: `${tgArn}-20261101100000000000000001`, port: target.port, region, target_group_arn: tgArn, target_id: target.id };
}
