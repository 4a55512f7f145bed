module posture.dev/testenv/vault

go 1.26

require github.com/hashicorp/vault v1.21.0
