import { useEffect, type ReactNode } from 'react'
import { ApiProvider, useApi } from './api-context'
import { Link, matchRoute, navigate, paths, useLocation, type Route } from './router'
import { FleetPage } from './pages/fleet-page'
import { SitesPage } from './pages/sites-page'
import { SiteDetailPage } from './pages/site-detail-page'
import { RunsPage } from './pages/runs-page'
import { RunDetailPage } from './pages/run-detail-page'
import { AlertsPage } from './pages/alerts-page'
import { AppDetailPage, AppsPage } from './pages/apps-page'
import { AdminPage } from './pages/admin-page'
import { EmptyState } from './components/states'

const TABS = [
  { label: 'Fleet', to: paths.fleet, pages: ['fleet'] },
  { label: 'Sites', to: paths.sites, pages: ['sites', 'site'] },
  { label: 'Runs', to: paths.runs, pages: ['runs', 'run'] },
  { label: 'Alerts', to: paths.alerts, pages: ['alerts'] },
  { label: 'Apps', to: paths.apps, pages: ['apps', 'app'] },
  { label: 'Admin', to: paths.admin, pages: ['admin'] },
] as const

export function App (): ReactNode {
  const { pathname } = useLocation()
  const route = matchRoute(pathname)

  useEffect(() => {
    // The control plane serves the SPA at "/", whose home is the fleet page.
    if (pathname === '/' || pathname === '') navigate(paths.fleet, { replace: true })
  }, [pathname])

  return (
    <ApiProvider>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link to={paths.fleet} className="brand" aria-label="Loadfleet home">
            <svg width="22" height="22" viewBox="0 0 16 16" aria-hidden="true">
              <rect width="16" height="16" rx="3.5" fill="currentColor" />
              <path d="M3 11l3-4 3 2 4-5" stroke="#fff" strokeWidth="1.6" fill="none" strokeLinecap="round" />
            </svg>
            <span>Loadfleet</span>
          </Link>
          <nav aria-label="Main" className="tabs">
            {TABS.map((tab) => {
              const active = (tab.pages as readonly string[]).includes(route.page)
              return (
                <Link key={tab.to} to={tab.to} className={active ? 'tab active' : 'tab'}
                  aria-current={active ? 'page' : undefined}>{tab.label}</Link>
              )
            })}
          </nav>
          <Account />
        </div>
      </header>
      <main id="main" className="content">
        <SignInError />
        <Page route={route} />
      </main>
    </ApiProvider>
  )
}

function Account (): ReactNode {
  const { user, role, oidc, signIn, signOut } = useApi()
  const { pathname } = useLocation()
  if (user === null) {
    return (
      <div className="account">
        {oidc && (
          <a className="button primary small" href={`/api/auth/login?returnTo=${encodeURIComponent(pathname)}`}>
            Sign in with SSO
          </a>
        )}
        <button type="button" className="button ghost small" onClick={signIn}>Admin sign-in</button>
      </div>
    )
  }
  return (
    <div className="account">
      <span className="muted small account-user" title="Signed in">{user}</span>
      {role !== null && <span className="badge small account-role">{role}</span>}
      <button type="button" className="button ghost small" onClick={signOut}>Sign out</button>
    </div>
  )
}

function SignInError (): ReactNode {
  const { signInError } = useApi()
  if (signInError === null) return null
  return <p className="form-error banner" role="alert">{signInError}</p>
}

function Page ({ route }: { route: Route }): ReactNode {
  switch (route.page) {
    case 'fleet': return <FleetPage />
    case 'sites': return <SitesPage />
    case 'site': return <SiteDetailPage key={route.id} id={route.id} />
    case 'runs': return <RunsPage />
    case 'run': return <RunDetailPage key={route.id} id={route.id} />
    case 'alerts': return <AlertsPage />
    case 'apps': return <AppsPage />
    case 'app': return <AppDetailPage key={route.name} name={route.name} />
    case 'admin': return <AdminPage />
    case 'not-found':
      return (
        <EmptyState title="Page not found">
          <Link to={paths.fleet}>Go to the fleet</Link>
        </EmptyState>
      )
  }
}
