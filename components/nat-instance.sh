#!/bin/bash
# User data of the NAT instance (Amazon Linux 2023): forward and masquerade the VPC's traffic out of the
# instance's own interface, as AWS's "Create a NAT AMI" procedure does, and keep it across reboots.
# Rendered by components/nat-instance.ts; it runs once, as root, at first boot.
set -euo pipefail

dnf install -y iptables-services
systemctl enable --now iptables

echo "net.ipv4.ip_forward=1" > /etc/sysctl.d/90-nat-instance.conf
sysctl -p /etc/sysctl.d/90-nat-instance.conf

# The interface of the default route: ens5 on Nitro instances, but read rather than assumed.
interface="$(ip -o route show default | awk '{print $5; exit}')"
iptables -t nat -A POSTROUTING -o "$interface" -j MASQUERADE
iptables -F FORWARD
service iptables save
