//! Talking to the node: subxt for the connection, the runtime API, the
//! extrinsics and the storage RPCs; `contract-transcode` (cargo-contract's
//! library crate) for the contract specifics: arguments and answers
//! encoded/decoded from the ABI in each `.contract` bundle, with the same
//! argument syntax as `cargo contract call --args`. The pallet-contracts
//! glue (the `Contracts::call` extrinsic, the `ContractsApi_call` request and
//! result types, dispatch-error names, the child-trie storage RPC) is local,
//! in [`contracts_api`]: cargo-contract's `contract-extrinsics` would bring in
//! `contract-build` (and wasm-opt's C++) and a second subxt.

pub mod contracts_api;

use anyhow::{anyhow, bail, Context, Result};
use contract_transcode::{ContractMessageTranscoder, Value};
use contracts_api::{CallRequest, ContractExecResult, Weight};
use scale::{Decode, Encode};
use std::{collections::BTreeMap, fmt, path::PathBuf, str::FromStr};
use subxt::{
    backend::{
        legacy::{rpc_methods::Bytes, LegacyRpcMethods},
        rpc::{rpc_params, RpcClient},
    },
    tx::TxStatus,
    utils::AccountId32,
    OnlineClient, SubstrateConfig,
};
use subxt_signer::{sr25519::Keypair, SecretUri};

/// The chain configuration of substrate-contracts-node.
pub type Cfg = SubstrateConfig;

/// The four contracts of the suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Contract {
    /// Accounts, profiles, providers, encryption keys.
    Registry,
    /// Grants, emergency access, the access log.
    Permissions,
    /// Records, medications, wrapped keys.
    Records,
    /// Appointments.
    Appointments,
}

impl Contract {
    /// All four, in deployment order.
    pub const ALL: [Contract; 4] =
        [Contract::Registry, Contract::Permissions, Contract::Records, Contract::Appointments];

    /// The name used in the addresses JSON and in bundle names.
    pub fn name(self) -> &'static str {
        match self {
            Contract::Registry => "registry",
            Contract::Permissions => "permissions",
            Contract::Records => "records",
            Contract::Appointments => "appointments",
        }
    }
}

impl fmt::Display for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where the suite lives: node URL, contract addresses, bundle paths.
#[derive(Clone, Debug)]
pub struct Deployment {
    /// Node websocket URL.
    pub url: String,
    /// Address and `.contract` bundle of each contract.
    pub contracts: BTreeMap<Contract, (AccountId32, PathBuf)>,
}

#[derive(serde::Deserialize)]
struct AddressesJson {
    url: Option<String>,
    registry: String,
    permissions: String,
    records: String,
    appointments: String,
    #[serde(default)]
    bundles: BTreeMap<String, String>,
}

impl Deployment {
    /// Reads the JSON written by `scripts/deploy.sh --out FILE`. `url`
    /// overrides the file's URL; `bundle_dir` (a directory holding
    /// `smrms_<name>.contract` or `smrms_<name>/smrms_<name>.contract`)
    /// overrides the file's bundle paths.
    pub fn from_addresses_file(
        path: &std::path::Path,
        url: Option<&str>,
        bundle_dir: Option<&std::path::Path>,
    ) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let j: AddressesJson = serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        let url = url.map(str::to_owned).or(j.url).unwrap_or_else(|| "ws://127.0.0.1:9944".into());
        let mut contracts = BTreeMap::new();
        for (c, addr) in [
            (Contract::Registry, &j.registry),
            (Contract::Permissions, &j.permissions),
            (Contract::Records, &j.records),
            (Contract::Appointments, &j.appointments),
        ] {
            let account = AccountId32::from_str(addr).map_err(|e| anyhow!("{c} address {addr}: {e:?}"))?;
            let bundle = match bundle_dir {
                Some(dir) => find_bundle(dir, c)?,
                None => PathBuf::from(
                    j.bundles
                        .get(c.name())
                        .ok_or_else(|| anyhow!("{}: no bundle path for {c}; give --bundles DIR", path.display()))?,
                ),
            };
            contracts.insert(c, (account, bundle));
        }
        Ok(Self { url, contracts })
    }
}

impl Deployment {
    /// From explicit addresses (registry, permissions, records,
    /// appointments) and a bundle directory.
    pub fn from_addresses(url: &str, addresses: [&str; 4], bundle_dir: &std::path::Path) -> Result<Self> {
        let mut contracts = BTreeMap::new();
        for (c, addr) in Contract::ALL.into_iter().zip(addresses) {
            let account = parse_account(addr).with_context(|| format!("{c} address"))?;
            contracts.insert(c, (account, find_bundle(bundle_dir, c)?));
        }
        Ok(Self { url: url.to_string(), contracts })
    }
}

/// `DIR/smrms_<name>.contract` or `DIR/smrms_<name>/smrms_<name>.contract`.
pub fn find_bundle(dir: &std::path::Path, c: Contract) -> Result<PathBuf> {
    let flat = dir.join(format!("smrms_{}.contract", c.name()));
    let nested = dir.join(format!("smrms_{0}/smrms_{0}.contract", c.name()));
    [flat, nested]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| anyhow!("no smrms_{}.contract in {}", c.name(), dir.display()))
}

/// A signer from a secret URI (`//Alice`, a mnemonic, `0x…` seed, with
/// optional `//hard/soft` derivations).
pub fn signer(suri: &str) -> Result<Keypair> {
    let uri = SecretUri::from_str(suri).map_err(|e| anyhow!("bad secret URI: {e}"))?;
    Keypair::from_uri(&uri).map_err(|e| anyhow!("bad secret URI: {e}"))
}

/// The account of a signer.
pub fn account_of(k: &Keypair) -> AccountId32 {
    k.public_key().to_account_id()
}

/// An account given as SS58, as 32 bytes of hex, or as a development secret
/// URI (`//Bob`).
pub fn parse_account(s: &str) -> Result<AccountId32> {
    if s.starts_with("//") {
        return Ok(account_of(&signer(s)?));
    }
    if let Some(h) = s.strip_prefix("0x") {
        let b = crate::crypto::unhex(h).ok_or_else(|| anyhow!("not 32 bytes of hex: {s}"))?;
        return Ok(AccountId32(b));
    }
    AccountId32::from_str(s).map_err(|e| anyhow!("not an account (SS58, 0x hex or //Name): {s}: {e:?}"))
}

/// The contract refused: it answered `Err(..)` (the state change, if any,
/// was reverted). `error` is the variant name, e.g. `NotAllowed`.
#[derive(Debug, Clone)]
pub struct Refused {
    /// Contract and message.
    pub call: String,
    /// The error variant's name.
    pub error: String,
    /// The whole decoded error value.
    pub detail: String,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} refused: {}", self.call, self.detail)
    }
}

impl std::error::Error for Refused {}

/// The name of the error a contract refused with, if `e` is such a refusal.
pub fn refusal(e: &anyhow::Error) -> Option<&str> {
    e.downcast_ref::<Refused>().map(|r| r.error.as_str())
}

/// The answer of a dry run.
#[derive(Debug, Clone)]
pub struct DryRun {
    /// The message's decoded answer (`Ok(Ok(..))`, `Ok(Err(..))`).
    pub value: Value,
    /// The contract reverted.
    pub reverted: bool,
    /// Weight to give the extrinsic.
    pub gas_required: Weight,
}

/// A contract event of the suite that its bundle's ABI did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecoded {
    /// The bundle's event with this signature topic, if one has it (the
    /// event is then that one, whose fields did not decode).
    pub event: Option<String>,
    /// The event's signature topic (its first topic, `0x…`), if it has one.
    pub signature: Option<String>,
    /// The transcoder's error.
    pub error: String,
}

impl fmt::Display for Undecoded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.event, &self.signature) {
            (Some(e), _) => write!(f, "{e}: {}", self.error),
            (None, Some(s)) => write!(f, "signature topic {s} unknown to the bundle: {}", self.error),
            (None, None) => write!(f, "{}", self.error),
        }
    }
}

/// The label of the event of `tc`'s ABI whose signature topic is `sig`.
fn event_label(tc: &ContractMessageTranscoder, sig: &[u8]) -> Option<String> {
    tc.metadata()
        .spec()
        .events()
        .iter()
        .find(|e| e.signature_topic().is_some_and(|t| t.as_bytes() == sig))
        .map(|e| e.label().to_string())
}

/// A connection to the node and the suite.
pub struct Chain {
    /// Node websocket URL.
    pub url: String,
    client: OnlineClient<Cfg>,
    rpc: LegacyRpcMethods<Cfg>,
    rpc_client: RpcClient,
    contracts: BTreeMap<Contract, (AccountId32, ContractMessageTranscoder)>,
    /// Print each call and its answer.
    pub verbose: bool,
}

impl Chain {
    /// Connects and loads each contract's ABI from its bundle.
    pub async fn connect(dep: &Deployment) -> Result<Self> {
        let rpc_client = RpcClient::from_url(&dep.url).await.with_context(|| format!("connecting to {}", dep.url))?;
        let client = OnlineClient::<Cfg>::from_rpc_client(rpc_client.clone()).await?;
        let rpc = LegacyRpcMethods::new(rpc_client.clone());
        let mut contracts = BTreeMap::new();
        for (c, (addr, bundle)) in &dep.contracts {
            let t = ContractMessageTranscoder::load(bundle)
                .with_context(|| format!("loading the ABI of {c} from {}", bundle.display()))?;
            contracts.insert(*c, (addr.clone(), t));
        }
        Ok(Self { url: dep.url.clone(), client, rpc, rpc_client, contracts, verbose: false })
    }

    /// The address of a contract.
    pub fn address(&self, c: Contract) -> &AccountId32 {
        &self.contracts[&c].0
    }

    fn transcoder(&self, c: Contract) -> &ContractMessageTranscoder {
        &self.contracts[&c].1
    }

    /// Dry-runs `message` as `origin` (any account: a dry run needs no
    /// signature, which is why contract queries hide nothing), sending
    /// `value` (for payable messages; else 0).
    pub async fn dry_run(
        &self,
        origin: &AccountId32,
        c: Contract,
        message: &str,
        args: &[String],
        value: u128,
    ) -> Result<DryRun> {
        let t = self.transcoder(c);
        let input_data = t.encode(message, args).with_context(|| format!("encoding {c}.{message}"))?;
        let req = CallRequest {
            origin: origin.clone(),
            dest: self.address(c).clone(),
            value,
            gas_limit: None,
            storage_deposit_limit: None,
            input_data,
        };
        let bytes = self.rpc.state_call("ContractsApi_call", Some(&req.encode()), None).await?;
        let res = ContractExecResult::decode(&mut bytes.as_slice())
            .with_context(|| format!("{c}.{message}: decoding the ContractsApi_call result"))?;
        match res.result {
            Ok(ret) => {
                let value = t
                    .decode_message_return(message, &mut ret.data.as_slice())
                    .with_context(|| format!("decoding the answer of {c}.{message}"))?;
                Ok(DryRun { value, reverted: ret.did_revert(), gas_required: res.gas_required })
            }
            Err(e) => {
                let ev = e.describe(&self.client.metadata());
                bail!("{c}.{message}: the call failed in the runtime: {ev}")
            }
        }
    }

    /// A read-only call: the `T` of the message's `Result<T>`, or a
    /// [`Refused`] error.
    pub async fn query(&self, origin: &AccountId32, c: Contract, message: &str, args: &[String]) -> Result<Value> {
        let d = self.dry_run(origin, c, message, args, 0).await?;
        if self.verbose {
            eprintln!("  query {c}.{message} → {}", short(&d.value));
        }
        unwrap_result(&format!("{c}.{message}"), d.value)
    }

    /// A transaction: dry run first (a refusal is returned without sending
    /// anything), then `Contracts::call` signed by `signer` transferring
    /// `transfer` (payable messages; else 0), waited for until it is in a
    /// block. Returns the `T` of `Result<T>` and the contract events it
    /// emitted (decoded from the ABI).
    pub async fn send(
        &self,
        signer: &Keypair,
        c: Contract,
        message: &str,
        args: &[String],
        transfer: u128,
    ) -> Result<(Value, Vec<Value>)> {
        let who = account_of(signer);
        let d = self.dry_run(&who, c, message, args, transfer).await?;
        if self.verbose {
            eprintln!("  call  {c}.{message} → {}", short(&d.value));
        }
        let value = unwrap_result(&format!("{c}.{message}"), d.value)?;
        if d.reverted {
            bail!("{c}.{message}: the contract reverted");
        }
        let t = self.transcoder(c);
        let data = t.encode(message, args)?;
        // a little headroom over the dry run's estimate: state may move
        // between the dry run and the block
        let gas = Weight {
            ref_time: d.gas_required.ref_time.saturating_mul(11) / 10,
            proof_size: d.gas_required.proof_size.saturating_mul(11) / 10,
        };
        let call = contracts_api::call(self.address(c), transfer, gas, None, data);
        let events = self.submit(&call, signer, &format!("{c}.{message}")).await?;
        let mut emitted = Vec::new();
        for ev in events.iter() {
            match self.decode_emitted(&ev?)? {
                Some((_, Ok(v))) => emitted.push(v),
                Some((from, Err(u))) => {
                    if self.verbose {
                        eprintln!("    (an event of {from} did not decode: {u})");
                    }
                }
                None => {}
            }
        }
        Ok((value, emitted))
    }

    /// A `Contracts::ContractEmitted` event of one of the suite's contracts,
    /// decoded from that contract's ABI: (contract, event value), or
    /// (contract, why not) when the ABI does not decode it. `None` for any
    /// other event.
    ///
    /// In ink! 5 the first topic of a (non-anonymous) event is its signature
    /// topic, blake2b-256 of `Name(type,…)`; the transcoder picks the ABI's
    /// event by it, then decodes the fields. So an event fails to decode
    /// either because no event of the bundle has its signature topic (code
    /// other than the bundle's: a new event, or an event whose fields
    /// changed), or because the fields do not decode as the bundle says (a
    /// field's type changed, e.g. an enum gained a variant, while the
    /// signature stayed).
    fn decode_emitted(
        &self,
        ev: &subxt::events::EventDetails<Cfg>,
    ) -> Result<Option<(Contract, std::result::Result<Value, Undecoded>)>> {
        if ev.pallet_name() != "Contracts" || ev.variant_name() != "ContractEmitted" {
            return Ok(None);
        }
        // ContractEmitted { contract, data: Vec<u8> }: the transcoder
        // wants `data` with its length prefix
        let mut data = ev.field_bytes();
        let contract = AccountId32::decode(&mut data)?;
        let Some((c, (_, tc))) = self.contracts.iter().find(|(_, (a, _))| *a == contract) else { return Ok(None) };
        let topics = ev.topics();
        let Some(sig) = topics.first() else {
            return Ok(Some((
                *c,
                Err(Undecoded { event: None, signature: None, error: "an event without topics (anonymous)".into() }),
            )));
        };
        let sig = sig.as_ref();
        Ok(Some((
            *c,
            tc.decode_contract_event(&sig, &mut data).map_err(|e| Undecoded {
                event: event_label(tc, sig),
                signature: Some(format!("0x{}", hex::encode(sig))),
                error: format!("{e:#}"),
            }),
        )))
    }

    /// The genesis hash of the chain (`0x…`).
    pub fn genesis_hash(&self) -> String {
        format!("0x{}", hex::encode(self.client.genesis_hash()))
    }

    /// The number of the node's latest finalized block.
    pub async fn finalized_number(&self) -> Result<u32> {
        let hash = self.rpc.chain_get_finalized_head().await?;
        let header =
            self.rpc.chain_get_header(Some(hash)).await?.ok_or_else(|| anyhow!("no header of the finalized block"))?;
        Ok(header.number)
    }

    /// The number of the node's best block.
    pub async fn best_number(&self) -> Result<u32> {
        Ok(self.rpc.chain_get_header(None).await?.ok_or_else(|| anyhow!("the node has no best block"))?.number)
    }

    /// The hash (`0x…`) of block `number` on the node's chain, if it has one.
    pub async fn block_hash(&self, number: u32) -> Result<Option<String>> {
        let h = self.rpc.chain_get_block_hash(Some(number.into())).await?;
        Ok(h.map(|h| format!("0x{}", hex::encode(h))))
    }

    /// The hash of block `number` (`0x…`) and the events of contract `c` in
    /// it, in order, decoded from its ABI: each decoded value, or why it
    /// did not decode ([`Undecoded`]; the caller decides what that means).
    /// An error if the node does not know the block (or pruned its state).
    pub async fn contract_events_in(
        &self,
        number: u32,
        c: Contract,
    ) -> Result<(String, Vec<std::result::Result<Value, Undecoded>>)> {
        let hash = self
            .rpc
            .chain_get_block_hash(Some(number.into()))
            .await?
            .ok_or_else(|| anyhow!("the node does not know block {number}"))?;
        let events = self.client.events().at(hash).await.with_context(|| format!("the events of block {number}"))?;
        let mut out = Vec::new();
        for ev in events.iter() {
            if let Some((from, v)) = self.decode_emitted(&ev?)? {
                if from == c {
                    out.push(v);
                }
            }
        }
        Ok((format!("0x{}", hex::encode(hash)), out))
    }

    /// The time of the best block (`Timestamp::Now`, Unix milliseconds).
    pub async fn chain_time_ms(&self) -> Result<u64> {
        let at = self.rpc.chain_get_block_hash(None).await?.ok_or_else(|| anyhow!("the node has no best block"))?;
        let now = self
            .client
            .storage()
            .at(at)
            .fetch(&subxt::dynamic::storage("Timestamp", "Now", ()))
            .await?
            .ok_or_else(|| anyhow!("no Timestamp::Now"))?;
        Ok(now.as_type::<u64>()?)
    }

    /// Signs and submits `call`, waits until it is in a block and
    /// succeeded (as cargo-contract does: the dev node has no finality).
    async fn submit<P: subxt::tx::TxPayload>(
        &self,
        call: &P,
        signer: &Keypair,
        what: &str,
    ) -> Result<subxt::blocks::ExtrinsicEvents<Cfg>> {
        // the nonce from the node's pool-aware RPC (subxt's default reads it
        // at the finalized block, which lags on the instant-seal dev node)
        let nonce = self.rpc.system_account_next_index(&account_of(signer)).await?;
        let params = subxt::config::DefaultExtrinsicParamsBuilder::<Cfg>::new().nonce(nonce).build();
        let mut progress = self.client.tx().create_signed_offline(call, signer, params)?.submit_and_watch().await?;
        loop {
            match progress.next().await {
                Some(Ok(TxStatus::InBestBlock(b) | TxStatus::InFinalizedBlock(b))) => {
                    return Ok(b.wait_for_success().await?)
                }
                Some(Ok(
                    TxStatus::Error { message } | TxStatus::Invalid { message } | TxStatus::Dropped { message },
                )) => {
                    bail!("{what}: transaction failed: {message}")
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => bail!("{what}: the node dropped the subscription"),
            }
        }
    }

    /// Transfers `amount` (smallest unit) from `from` to `to`
    /// (`Balances::transfer_keep_alive`), e.g. to fund a fresh account.
    pub async fn transfer(&self, from: &Keypair, to: &AccountId32, amount: u128) -> Result<()> {
        use subxt::dynamic::Value as V;
        let call = subxt::dynamic::tx(
            "Balances",
            "transfer_keep_alive",
            vec![V::unnamed_variant("Id", [V::from_bytes(to.0)]), V::u128(amount)],
        );
        self.submit(&call, from, "Balances.transfer_keep_alive").await?;
        Ok(())
    }

    /// Every storage entry (key, value) of a contract, from its child trie
    /// (trie id from `Contracts::ContractInfoOf`), via the node's
    /// `childstate_*` RPC, all read at one best block.
    pub async fn raw_storage(&self, c: Contract) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let at = self.rpc.chain_get_block_hash(None).await?.ok_or_else(|| anyhow!("the node has no best block"))?;
        let address = subxt::dynamic::storage(
            "Contracts",
            "ContractInfoOf",
            vec![subxt::dynamic::Value::from_bytes(self.address(c).0)],
        );
        let info = self
            .client
            .storage()
            .at(at)
            .fetch(&address)
            .await?
            .ok_or_else(|| anyhow!("no contract at the {c} address {}", self.address(c)))?;
        let trie = contracts_api::trie_id(info.encoded()).context("decoding the trie id of ContractInfoOf")?;
        let child = contracts_api::child_storage_key(&trie);
        let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut start: Option<Bytes> = None;
        const PAGE: u32 = 1000;
        loop {
            let keys: Vec<Bytes> = self
                .rpc_client
                .request("childstate_getKeysPaged", rpc_params![&child, None::<Bytes>, PAGE, start, at])
                .await?;
            let values: Vec<Option<Bytes>> =
                self.rpc_client.request("childstate_getStorageEntries", rpc_params![&child, &keys, at]).await?;
            if values.len() != keys.len() {
                bail!("{c}: childstate_getStorageEntries answered {} values for {} keys", values.len(), keys.len());
            }
            let n = keys.len();
            start = keys.last().cloned();
            for (k, v) in keys.into_iter().zip(values) {
                if let Some(v) = v {
                    out.push((k.0, v.0));
                }
            }
            if n < PAGE as usize {
                break;
            }
        }
        Ok(out)
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 160 {
        format!("{}…", &s[..s.char_indices().take_while(|(i, _)| *i < 160).last().map_or(0, |(i, _)| i)])
    } else {
        s
    }
}

/// `Ok(Ok(v))` → `v`; `Ok(Err(e))` → [`Refused`]; `Err(lang error)` → error.
pub fn unwrap_result(call: &str, v: Value) -> Result<Value> {
    let (ident, mut vals) = variant(v).ok_or_else(|| anyhow!("{call}: unexpected answer shape"))?;
    match (ident.as_str(), vals.len()) {
        ("Ok", 1) => {}
        _ => bail!("{call}: ink! language error {ident}"),
    }
    let inner = vals.remove(0);
    match variant(inner.clone()) {
        Some((i, mut vs)) if i == "Ok" => Ok(if vs.is_empty() { Value::Unit } else { vs.remove(0) }),
        Some((i, vs)) if i == "Err" => {
            let detail = vs.first().map(|v| v.to_string()).unwrap_or_default();
            let error = vs.first().and_then(|v| variant(v.clone())).map(|(n, _)| n).unwrap_or_else(|| detail.clone());
            Err(Refused { call: call.into(), error, detail }.into())
        }
        // messages that do not return a Result
        _ => Ok(inner),
    }
}

/// An enum value's variant name and unnamed fields.
pub fn variant(v: Value) -> Option<(String, Vec<Value>)> {
    match v {
        Value::Tuple(t) => Some((t.ident()?, t.values().cloned().collect())),
        Value::Map(m) => Some((m.ident()?, vec![Value::Map(m)])),
        Value::Literal(s) => Some((s, vec![])),
        _ => None,
    }
}

/// A named field of a struct value.
pub fn field<'a>(v: &'a Value, name: &str) -> Result<&'a Value> {
    match v {
        Value::Map(m) => m.get_by_str(name).ok_or_else(|| anyhow!("no field {name} in {}", short(v))),
        _ => bail!("not a struct: {}", short(v)),
    }
}

/// A string value.
pub fn as_str(v: &Value) -> Result<&str> {
    match v {
        Value::String(s) => Ok(s),
        _ => bail!("not a string: {}", short(v)),
    }
}

/// An unsigned integer value.
pub fn as_u128(v: &Value) -> Result<u128> {
    match v {
        Value::UInt(n) => Ok(*n),
        _ => bail!("not an integer: {}", short(v)),
    }
}

/// A byte string or byte array value.
pub fn as_bytes(v: &Value) -> Result<Vec<u8>> {
    match v {
        Value::Hex(h) => Ok(h.bytes().to_vec()),
        Value::Seq(s) => s
            .elems()
            .iter()
            .map(|e| match e {
                Value::UInt(n) if *n < 256 => Ok(*n as u8),
                _ => bail!("not a byte: {e}"),
            })
            .collect(),
        Value::Tuple(t) if t.ident().is_none() => t
            .values()
            .map(|e| match e {
                Value::UInt(n) if *n < 256 => Ok(*n as u8),
                _ => bail!("not a byte: {e}"),
            })
            .collect(),
        _ => bail!("not bytes: {}", short(v)),
    }
}

/// An opaque field (`Vec<u8>`: a sealed text's on-chain bytes) as stored.
/// A `String` (the ABI of a bundle from before these fields were bytes)
/// gives its UTF-8 bytes, which is what it stored.
pub fn as_stored(v: &Value) -> Result<Vec<u8>> {
    match v {
        Value::String(s) => Ok(s.as_bytes().to_vec()),
        v => as_bytes(v),
    }
}

/// An opaque field read back as the text it stores
/// ([`crate::onchain::from_chain`] of [`as_stored`]); an error for bytes
/// that are neither a sealed form nor UTF-8.
pub fn as_chain_text(v: &Value) -> Result<String> {
    let b = as_stored(v)?;
    crate::onchain::from_chain(&b)
        .map_err(|_| anyhow!("unreadable (not UTF-8): {} bytes, 0x{}", b.len(), hex::encode(&b)))
}

/// An opaque field as text for display: [`as_chain_text`], or
/// `unreadable (not UTF-8, N bytes)` ([`crate::onchain::display`]).
pub fn as_chain_display(v: &Value) -> Result<String> {
    Ok(crate::onchain::display(&as_stored(v)?))
}

/// An account value (decoded as an SS58 literal).
pub fn as_account(v: &Value) -> Result<AccountId32> {
    match v {
        Value::Literal(s) | Value::String(s) => AccountId32::from_str(s).map_err(|e| anyhow!("bad account {s}: {e:?}")),
        Value::Hex(h) => Ok(AccountId32(h.bytes().try_into().map_err(|_| anyhow!("bad account"))?)),
        // `AccountId([u8; 32])` where the transcoder's SS58 decoder is not applied
        Value::Tuple(t) if t.values().count() == 1 => {
            let b = as_bytes(t.values().next().expect("one value"))?;
            Ok(AccountId32(b.try_into().map_err(|_| anyhow!("bad account: {}", short(v)))?))
        }
        _ => bail!("not an account: {}", short(v)),
    }
}

/// `Some(v)` → `Some(v)`, `None` → `None`.
pub fn as_option(v: &Value) -> Result<Option<Value>> {
    match variant(v.clone()) {
        Some((i, _)) if i == "None" => Ok(None),
        Some((i, mut vs)) if i == "Some" && vs.len() == 1 => Ok(Some(vs.remove(0))),
        _ => bail!("not an option: {}", short(v)),
    }
}

/// A sequence value's elements.
pub fn as_seq(v: &Value) -> Result<Vec<Value>> {
    match v {
        Value::Seq(s) => Ok(s.elems().to_vec()),
        _ => bail!("not a sequence: {}", short(v)),
    }
}

/// A tuple value's elements.
pub fn as_tuple(v: &Value) -> Result<Vec<Value>> {
    match v {
        Value::Tuple(t) => Ok(t.values().cloned().collect()),
        _ => bail!("not a tuple: {}", short(v)),
    }
}

/// Arguments in `cargo contract call --args` syntax.
pub mod arg {
    use subxt::utils::AccountId32;

    /// A string literal (JSON escaping, which contract-transcode accepts),
    /// for the contracts' `String` arguments (public text: provider details,
    /// status reasons); opaque fields take [`text`].
    pub fn string(s: &str) -> String {
        serde_json::to_string(s).expect("a string serializes")
    }
    /// An account (SS58).
    pub fn account(a: &AccountId32) -> String {
        a.to_string()
    }
    /// Bytes as `0x…` (`[]` when empty: the transcoder reads a bare `0x`
    /// as the number 0).
    pub fn bytes(b: &[u8]) -> String {
        if b.is_empty() {
            return "[]".into();
        }
        format!("0x{}", hex::encode(b))
    }
    /// A text for an opaque field of the contracts (`Vec<u8>`: sealed
    /// texts, record titles and bodies, appointment texts): its on-chain
    /// bytes, [`crate::onchain::to_chain`], as `0x…`.
    pub fn text(s: &str) -> String {
        bytes(&crate::onchain::to_chain(s))
    }
    /// A number.
    pub fn num(n: impl std::fmt::Display) -> String {
        n.to_string()
    }
    /// `Some(x)` / `None`.
    pub fn option(x: Option<String>) -> String {
        x.map_or_else(|| "None".into(), |x| format!("Some({x})"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use contract_transcode::Value;

    fn seq(b: &[u8]) -> Value {
        Value::Seq(b.iter().map(|&x| Value::UInt(x.into())).collect::<Vec<_>>().into())
    }

    #[test]
    fn opaque_fields_through_the_codec() {
        let k = crate::DataKey::generate();
        let sealed = crate::seal_field(&k, 0, "Dave", smrms_shared::MAX_NAME_LEN).unwrap();
        let stored = crate::to_chain(&sealed);
        // the argument is the on-chain bytes, and reads back as the sealed text
        assert_eq!(arg::text(&sealed), format!("0x{}", hex::encode(&stored)));
        assert_eq!(as_stored(&seq(&stored)).unwrap(), stored);
        assert_eq!(as_chain_text(&seq(&stored)).unwrap(), sealed);
        // the empty text is `[]`, plaintext its UTF-8 bytes
        assert_eq!(arg::text(""), "[]");
        assert_eq!(as_chain_text(&seq(b"")).unwrap(), "");
        assert_eq!(arg::text("sealed"), "0x7365616c6564");
        // a bundle of the String ABI: the text itself
        assert_eq!(as_chain_text(&Value::String(sealed.clone())).unwrap(), sealed);
        assert_eq!(as_stored(&Value::String("ab".into())).unwrap(), b"ab");
        // bytes that are neither: an error, or `unreadable` for display
        assert!(as_chain_text(&seq(&[0xFF, 9])).unwrap_err().to_string().starts_with("unreadable (not UTF-8)"));
        assert_eq!(as_chain_display(&seq(&[0xC3])).unwrap(), "unreadable (not UTF-8, 1 bytes)");
        assert!(as_stored(&Value::Bool(true)).is_err());
    }
}
