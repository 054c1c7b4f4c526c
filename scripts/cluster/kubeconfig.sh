# Sourced by control-plane.sh and node.sh: a kubeconfig for one client
# certificate, against the API server on 127.0.0.1:$APISERVER_PORT.
write_kubeconfig() { # FILE USER PKI-DIR CA-FILE (the user's certificate and key: PKI-DIR/USER.crt, .key)
  cat > "$1" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: xpto-test
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $4
users:
- name: $2
  user:
    client-certificate: $3/$2.crt
    client-key: $3/$2.key
contexts:
- name: xpto-test
  context: {cluster: xpto-test, user: $2}
current-context: xpto-test
YAML
}
