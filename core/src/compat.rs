//! The only place the core looks at the target: async port futures must be `Send` on native hosts
//! (lambda_http, axum) and cannot be on wasm32 (Workers' JS types are `!Send`).

/// `Send` on native targets, nothing on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}

/// `Send` on native targets, nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// `Sync` on native targets, nothing on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSync: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> MaybeSync for T {}

/// `Sync` on native targets, nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSync for T {}

/// A `dyn Future`: `Send` on native targets, not on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub type DynFuture<'a, T> = dyn std::future::Future<Output = T> + Send + 'a;
/// A `dyn Future`: `Send` on native targets, not on wasm32.
#[cfg(target_arch = "wasm32")]
pub type DynFuture<'a, T> = dyn std::future::Future<Output = T> + 'a;

/// Declares a port trait or impl with `async_trait`, `Send` futures on native and `?Send` on wasm32.
///
/// Adapters that only build for one kind of target use `#[async_trait]` / `#[async_trait(?Send)]` directly.
#[macro_export]
macro_rules! port {
    ($item:item) => {
        #[cfg_attr(not(target_arch = "wasm32"), $crate::async_trait::async_trait)]
        #[cfg_attr(target_arch = "wasm32", $crate::async_trait::async_trait(?Send))]
        $item
    };
}
