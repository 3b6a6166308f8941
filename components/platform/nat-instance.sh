#!/bin/bash
# User data of the NAT instance (Amazon Linux 2023): forward and masquerade the VPC's traffic out of the
# instance's own interface, as AWS's "Create a NAT AMI" procedure does, and keep it across reboots; then tell
# the stack it is ready. Rendered by components/nat-instance.ts, which sets READY_STACK (the CloudFormation
# stack whose wait condition the private subnets' routes wait for) above this script. It runs once, as root,
# at first boot.
set -euo pipefail

: "${READY_STACK:?set by components/nat-instance.ts}"

# IMDSv2 only (the instance's metadata options require a token).
imds() {
  local token
  token="$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' http://169.254.169.254/latest/api/token)"
  curl -sf -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/meta-data/$1"
}

instance_id="$(imds instance-id)"
region="$(imds placement/region)"
# The wait condition's names carry the instance id, so a replacement instance is waited for afresh.
suffix="${instance_id//-/}"

# The presigned URL of this instance's wait-condition handle, once the stack has made it. The stack is made
# after the instance exists, and the instance role's credentials can take a moment: poll for up to 15 minutes.
handle_url() {
  local attempt url
  for attempt in $(seq 1 180); do
    if url="$(aws cloudformation describe-stack-resource --region "$region" --stack-name "$READY_STACK" \
      --logical-resource-id "Handle${suffix}" --query StackResourceDetail.PhysicalResourceId --output text 2>/dev/null)" &&
      [[ "$url" == https://* ]]; then
      printf '%s\n' "$url"
      return 0
    fi
    echo "waiting for the wait-condition handle of ${READY_STACK} (attempt ${attempt})" >&2
    sleep 5
  done
  return 1
}

# SUCCESS or FAILURE to the wait condition, with a reason CloudFormation shows (and `pulumi up` then reports).
signal() {
  local url
  url="$(handle_url)" || return 1
  curl -sf -X PUT -H 'Content-Type:' \
    --data-binary "{\"Status\":\"$1\",\"Reason\":\"$2\",\"UniqueId\":\"${instance_id}\",\"Data\":\"$2\"}" "$url"
}

# A step that fails tells the stack at once, rather than leaving `pulumi up` to wait out the condition's timeout.
trap 'signal FAILURE "NAT instance ${instance_id}: user data failed at line ${LINENO}; see /var/log/cloud-init-output.log" || true' ERR

dnf install -y iptables-services dnf-automatic
systemctl enable --now iptables

echo "net.ipv4.ip_forward=1" > /etc/sysctl.d/90-nat-instance.conf
sysctl -p /etc/sysctl.d/90-nat-instance.conf

# The interface of the default route: ens5 on Nitro instances, but read rather than assumed.
interface="$(ip -o route show default | awk '{print $5; exit}')"
iptables -t nat -A POSTROUTING -o "$interface" -j MASQUERADE
iptables -F FORWARD
service iptables save

# Security updates install themselves daily; a kernel update takes effect at the next reboot or replacement.
sed -i -e 's/^upgrade_type = .*/upgrade_type = security/' -e 's/^apply_updates = .*/apply_updates = yes/' /etc/dnf/automatic.conf
systemctl enable --now dnf-automatic.timer

trap - ERR
signal SUCCESS "NAT instance ${instance_id} forwards the VPC's traffic"
