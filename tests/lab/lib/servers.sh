# shellcheck shell=bash
# The servers outside the pod network: the API server stand-in (nginx with TLS on the
# control-plane host) and the internet host (nginx on :80, dnsmasq answering for example.test);
# and the lab's PKI: a cluster CA, the API server's certificate, a second "rogue" CA for the
# apiserver-tls-untrusted fault, and the service-account signing key for the pods' tokens.

PKI=$LAB_STATE/pki
CP_DIR=$LAB_STATE/cp
INET_DIR=$LAB_STATE/inet
K8S_VERSION=v1.30.4

pki_config() {
  emit <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN,DNS:kube-apiserver,IP:10.96.0.1,IP:$APISERVER_IP
EOF
}

# A CA and an API server certificate signed by it: PREFIX.ca.{key,crt}, PREFIX.apiserver.{key,crt}.
pki_pair() { # PREFIX CA_CN
  local p=$PKI/$1 ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  quiet openssl req -x509 -config "$PKI/openssl.cnf" -extensions v3_ca -subj "/CN=$2" "${ec[@]}" \
    -keyout "$p-ca.key" -out "$p-ca.crt" -days 3650
  quiet openssl req -x509 -config "$PKI/openssl.cnf" -extensions v3_server -subj "/CN=kube-apiserver" \
    "${ec[@]}" -CA "$p-ca.crt" -CAkey "$p-ca.key" -keyout "$p-apiserver.key" -out "$p-apiserver.crt" -days 365
}

pki_up() {
  [ -f "$PKI/done" ] && return 0
  mkdir -p "$PKI"
  pki_config >"$PKI/openssl.cnf"
  pki_pair cluster kubernetes
  pki_pair rogue "ndlab-rogue-ca"
  quiet openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$PKI/sa.key"
  pki_tokens
  touch "$PKI/done"
}

# Every pod's service-account token, made here (in the background while the namespaces are
# built) rather than in the pod's own start.
pki_tokens() {
  local line n ns name sa uid token
  mkdir -p "$PKI/tokens"
  for line in "${MODEL_PODS[@]}"; do
    read -r n ns name _ _ sa _ <<<"$line"
    uuid_of uid "pod/$ns/$name"
    sa_token token "$ns" "$name" "$sa" "$uid"
    printf '%s' "$token" >"$PKI/tokens/${ns}_$name"
  done
}

# base64url without padding of an ASCII string, in bash (no fork).
b64url_str() { # VAR STRING
  local s=$2 out="" i a b c n len=${#2} tbl=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_
  for ((i = 0; i < len; i += 3)); do
    printf -v a '%d' "'${s:i:1}"
    b=0 c=0
    if ((i + 1 < len)); then printf -v b '%d' "'${s:i+1:1}"; fi
    if ((i + 2 < len)); then printf -v c '%d' "'${s:i+2:1}"; fi
    n=$(((a << 16) | (b << 8) | c))
    out+=${tbl:$(((n >> 18) & 63)):1}${tbl:$(((n >> 12) & 63)):1}
    if ((i + 1 < len)); then out+=${tbl:$(((n >> 6) & 63)):1}; fi
    if ((i + 2 < len)); then out+=${tbl:$((n & 63)):1}; fi
  done
  printf -v "$1" '%s' "$out"
}

# A bound service-account token as the kubelet projects it: an RS256 JWT signed with sa.key.
sa_token() { # VAR NS POD SA POD_UID
  local now=$CREATED_EPOCH header payload sig kid sa_uid
  hash_hex kid "sa-signing-key/$CREATED_EPOCH" 43
  uuid_of sa_uid "sa/$2/$4"
  b64url_str header "{\"alg\":\"RS256\",\"kid\":\"$kid\"}"
  printf -v payload '{"aud":["https://kubernetes.default.svc.%s"],"exp":%s,"iat":%s,"iss":"https://kubernetes.default.svc.%s","kubernetes.io":{"namespace":"%s","pod":{"name":"%s","uid":"%s"},"serviceaccount":{"name":"%s","uid":"%s"}},"nbf":%s,"sub":"system:serviceaccount:%s:%s"}' \
    "$CLUSTER_DOMAIN" $((now + 31536000)) "$now" "$CLUSTER_DOMAIN" "$2" "$3" "$5" "$4" \
    "$sa_uid" "$now" "$2" "$4"
  b64url_str payload "$payload"
  sig=$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -sign "$PKI/sa.key" | basenc --base64url -w0)
  printf -v "$1" '%s.%s.%s' "$header" "$payload" "${sig//=/}"
}

# ---------------------------------------------------------------------------------------------
# API server stand-in

apiserver_status_json() { # VAR CODE REASON MESSAGE
  printf -v "$1" '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"%s","reason":"%s","code":%s}' "$4" "$3" "$2"
}

apiserver_config() {
  local cert=cluster tok f commit
  fault_active apiserver-tls-untrusted && cert=rogue
  local unauth forbidden
  hash_hex commit k8s 40
  apiserver_status_json unauth 401 Unauthorized Unauthorized
  apiserver_status_json forbidden 403 Forbidden 'forbidden: User \"system:anonymous\" cannot get path \"/\"'
  emit <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $CP_DIR/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $CP_DIR/tmp/body;
  proxy_temp_path $CP_DIR/tmp/proxy;
  fastcgi_temp_path $CP_DIR/tmp/fastcgi;
  uwsgi_temp_path $CP_DIR/tmp/uwsgi;
  scgi_temp_path $CP_DIR/tmp/scgi;
  map_hash_bucket_size 2048;
  # The service-account tokens this API server accepts (none while apiserver-unauthorized).
  map \$http_authorization \$ndlab_authorized {
    default 0;
EOF
  if ! fault_active apiserver-unauthorized; then
    for f in "$LAB_STATE"/pods/*/token; do
      if slurp tok "$f"; then printf '    "Bearer %s" 1;\n' "$tok"; fi
    done
  fi
  emit <<EOF
  }
  server {
    listen $APISERVER_IP:$APISERVER_PORT ssl;
    ssl_certificate $PKI/$cert-apiserver.crt;
    ssl_certificate_key $PKI/$cert-apiserver.key;
    default_type application/json;
    location = /livez { default_type text/plain; return 200 "ok"; }
    location = /healthz { default_type text/plain; return 200 "ok"; }
    location = /readyz {
      if (\$ndlab_authorized = 0) { return 401 '$unauth\n'; }
      default_type text/plain;
      return 200 "ok";
    }
    location = /version {
      return 200 '{\n  "major": "1",\n  "minor": "30",\n  "gitVersion": "$K8S_VERSION",\n  "gitCommit": "$commit",\n  "gitTreeState": "clean",\n  "buildDate": "2024-08-14T19:29:18Z",\n  "goVersion": "go1.22.5",\n  "compiler": "gc",\n  "platform": "linux/amd64"\n}\n';
    }
    location / {
      if (\$ndlab_authorized = 0) { return 401 '$unauth\n'; }
      return 403 '$forbidden\n';
    }
  }
}
EOF
}

# Starts nginx in namespace NS with config CONF unless it already runs with that config.
nginx_ensure() { # NS DIR CONF_TEXT PORT IP
  local ns=$1 dir=$2 conf=$3 port=$4
  mkdir -p "$dir/tmp"
  if pidfile_alive "$dir/server.pid" && [ -f "$dir/nginx.conf" ] && [ "$(<"$dir/nginx.conf")" = "$conf" ]; then
    return 0
  fi
  kill_pidfile "$dir/server.pid"
  printf '%s\n' "$conf" >"$dir/nginx.conf"
  spawn "$dir/nginx.log" ip netns exec "$ns" sh -c \
    'echo $$ > "$1/server.pid"; exec nginx -e stderr -p "$1" -c "$1/nginx.conf"' sh "$dir"
  PENDING+=("$ns t $port $dir/server.pid $dir/nginx.log nginx")
}

apiserver_ensure() {
  if fault_active apiserver-down; then
    kill_pidfile "$CP_DIR/server.pid"
    return 0
  fi
  nginx_ensure "$NS_CP" "$CP_DIR" "$(apiserver_config)" "$APISERVER_PORT"
}

# ---------------------------------------------------------------------------------------------
# The internet host

inet_http_config() {
  emit <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $INET_DIR/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $INET_DIR/tmp/body;
  proxy_temp_path $INET_DIR/tmp/proxy;
  fastcgi_temp_path $INET_DIR/tmp/fastcgi;
  uwsgi_temp_path $INET_DIR/tmp/uwsgi;
  scgi_temp_path $INET_DIR/tmp/scgi;
  server {
    listen $INET_IP:80;
    default_type text/plain;
    location = /ip { return 200 "\$remote_addr\n"; }
    location / { return 200 "hello from $INET_DOMAIN\n"; }
  }
}
EOF
}

inet_dns_config() {
  emit <<EOF
# The internet's DNS: answers for $INET_DOMAIN only.
no-resolv
no-hosts
interface=eth0
interface=lo
pid-file=$INET_DIR/dnsmasq.pid
log-facility=-
local-ttl=30
local=/$INET_DOMAIN/
host-record=$INET_DOMAIN,$INET_IP
host-record=www.$INET_DOMAIN,$INET_IP
EOF
}

dnsmasq_ensure() { # NS DIR CONF_TEXT
  local ns=$1 dir=$2 conf=$3
  mkdir -p "$dir"
  if pidfile_alive "$dir/dns.pid" && [ -f "$dir/dnsmasq.conf" ] && [ "$(<"$dir/dnsmasq.conf")" = "$conf" ]; then
    return 0
  fi
  kill_pidfile "$dir/dns.pid"
  printf '%s\n' "$conf" >"$dir/dnsmasq.conf"
  spawn "$dir/dnsmasq.log" ip netns exec "$ns" sh -c \
    'echo $$ > "$1/dns.pid"; exec dnsmasq --keep-in-foreground --conf-file="$1/dnsmasq.conf"' sh "$dir"
  PENDING+=("$ns u 53 $dir/dns.pid $dir/dnsmasq.log dnsmasq")
}

# Servers are started without waiting (PENDING), then waited for together: until each has
# written its pid and listens on its port.
PENDING=()
servers_wait() {
  local line ns proto port pidf logf what
  for line in "${PENDING[@]}"; do
    read -r ns proto port pidf logf what <<<"$line"
    wait_pidfile "$pidf" >/dev/null || die "$what did not start in $ns (see $logf)"
    wait_listen "$ns" "$proto" "$port" || die "$what in $ns does not listen on :$port (see $logf)"
  done
  PENDING=()
}

inet_ensure() {
  nginx_ensure "$NS_INET" "$INET_DIR" "$(inet_http_config)" 80
  if fault_active dns-upstream-failure; then
    kill_pidfile "$INET_DIR/dns.pid"
  else
    dnsmasq_ensure "$NS_INET" "$INET_DIR" "$(inet_dns_config)"
  fi
}
